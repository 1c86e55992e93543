"""The round engine: MODEL.md's rounds, played for a batch of runs at once.

An agent is a party's tactic applied to every run of the batch in one numpy call; the state
is a set of (runs, parties, issues) arrays. ``Negotiation.step()`` plays one round and returns
its :class:`RoundReport`; ``run()`` plays to the deadline. A person (or a test) may supply one
party's offers in place of its tactic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .arrays import Draws, Structure, draw_batch, structure
from .numerics import canonical_sum
from .random_ import normalise_seed
from .scenario import Scenario
from .tactics import REGISTRY, RoundContext
from .zone import Zones, acceptable, blockers_and_gaps, snap_levels, zones

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

#: F within this of 1 counts as 1 (MODEL.md step 4).
F_ONE = 1e-12


@dataclass(frozen=True)
class RoundReport:
    """Everything that happened in round ``t`` for each run of the batch."""

    t: int
    structure: Structure
    active: B  # (R, E): events acting this round
    strain: F64  # (R, P)
    ideal: F64  # (R, P, I): after direct effects
    red_line: F64  # (R, P, I)
    limit: F64  # (R, P, I): how far each soft red line can give (after direct effects)
    conceded: F64  # (R, P, I): F, the share of the way from ideal to red line
    offer: F64  # (R, P, I)
    a_lo: F64  # (R, P, I): acceptable sets
    a_hi: F64
    zones: Zones  # (R, I)
    blockers: B  # (R, P, I)
    gaps: F64  # (R, P, I)
    settled: B  # (R, I): settled by the end of this round
    settled_round: I64  # (R, I): 0 = not settled
    value: F64  # (R, I): NaN until settled
    deal_round: I64  # (R,): 0 = no deal yet

    @property
    def deal(self) -> B:
        return self.deal_round > 0


class Negotiation:
    """A negotiation played round by round for ``runs`` Monte Carlo runs (or at its means).

    >>> neg = Negotiation(scenario, runs=1000, seed=7)
    >>> first = neg.step()           # round 1
    >>> last = neg.run()             # the remaining rounds; the final report
    """

    def __init__(
        self,
        scenario: Scenario,
        runs: int = 1,
        seed: int | None = None,
        *,
        first_run: int = 0,
        at_means: bool = False,
        compiled: Structure | None = None,
    ) -> None:
        self.structure = compiled if compiled is not None else structure(scenario)
        self.seed = (
            None if at_means else normalise_seed(seed if seed is not None else scenario.seed)
        )
        idx = np.arange(first_run, first_run + (1 if at_means else runs), dtype=np.int64)
        self.draws: Draws = draw_batch(self.structure, self.seed, idx)
        st, R = self.structure, len(idx)
        self.t = 0
        self.strain = np.zeros((R, st.P))
        self.conceded = np.zeros((R, st.P, st.I))
        self.effect_value = np.zeros((R, len(st.effects)))
        self.settled_round = np.zeros((R, st.I), np.int64)
        self.value = np.full((R, st.I), np.nan)
        self.deal_round = np.zeros(R, np.int64)
        self._effect_stakes = _group_effects(st)

    @property
    def runs(self) -> int:
        return self.draws.R

    @property
    def done(self) -> bool:
        return self.t >= self.structure.T

    def run(self, on_round: Callable[[RoundReport], None] | None = None) -> RoundReport:
        """Play every remaining round; ``on_round`` sees each report. Returns the last."""
        report = None
        while not self.done:
            report = self.step()
            if on_round is not None:
                on_round(report)
        if report is None:
            raise RuntimeError("the negotiation has already reached its deadline")
        return report

    def step(self, offers: Mapping[str, Mapping[str, float]] | None = None) -> RoundReport:
        """Play one round. ``offers[party][issue]`` replaces that party's offer (all runs)."""
        if self.done:
            raise RuntimeError(f"the negotiation ended at round {self.structure.T}")
        st, dr = self.structure, self.draws
        self.t = t = self.t + 1

        # 1. Events acting this round; direct effects apply once, in their start round.
        active = dr.occurs & (dr.start <= t) & (t <= dr.end)
        starting = dr.occurs & (dr.start == t)
        for k, (e, _, _) in enumerate(st.effects):
            self.effect_value[:, k] = np.where(
                starting[:, e], dr.shift[:, k] * dr.magnitude[:, e], self.effect_value[:, k]
            )
        shift = np.zeros((self.runs, st.P, st.I))
        for (a, b), ks in self._effect_stakes.items():
            shift[:, a, b] = canonical_sum(self.effect_value[:, ks], axis=1)

        # 2. Strain: the pressure reaching each party, g = M d, carried over with decay. Only
        # the structurally non-zero terms are summed (events on a node; nodes whose pressure
        # can reach the party): leaving out exact zeros changes no sum.
        R = self.runs
        d = np.zeros((R, st.N))
        for n, events in st.events_on:
            d[:, n] = canonical_sum(np.where(active[:, events], dr.magnitude[:, events], 0.0),
                                    axis=1)
        g = np.zeros((R, st.P))
        for a, sources in st.reaching:
            g[:, a] = canonical_sum(dr.propagation[:, a, sources] * d[:, sources], axis=1)
        self.strain = np.maximum(0.0, dr.decay * self.strain + g)

        # 3. Red lines: soft ones give toward their limits; hard ones only by direct effects.
        lo, hi = st.lo[None, None], st.hi[None, None]
        ideal = np.clip(dr.ideal + shift, lo, hi)
        base = np.clip(dr.red_line + shift, lo, hi)
        limit = np.clip(dr.limit + shift, lo, hi)
        direction = st.direction[None]
        moved = base + direction * dr.elasticity * self.strain[:, :, None]
        moved = np.where(direction > 0, np.minimum(moved, limit), np.maximum(moved, limit))
        red = np.where(st.hard[None], base, np.clip(moved, lo, hi))

        # 4. Concession: each tactic decides for its parties across all runs at once.
        ctx = RoundContext(
            t=t,
            T=st.T,
            strain=self.strain,
            beta=dr.beta,
            kappa=dr.kappa,
            previous=self.conceded,
            stakes=st.stakes,
        )
        proposed = np.zeros_like(self.conceded)
        for name, parties in st.tactic_groups:
            proposed[:, parties, :] = REGISTRY[name].concession(ctx, parties)
        f = np.maximum(self.conceded, proposed)
        f = np.where(f >= 1.0 - F_ONE, 1.0, f)
        f = np.where(st.stakes[None], f, 0.0)
        a_lo, a_hi = acceptable(ideal, red, st.stakes)
        y = np.where(f >= 1.0, red, ideal + f * (red - ideal))
        y = np.clip(y, a_lo, a_hi)
        if offers:
            y, f = self._override(offers, y, f, ideal, red, a_lo, a_hi)
        self.conceded = f

        # 5. Zones, blockers and gaps (on ordinal issues, the sets hold only their levels).
        z = zones(a_lo, a_hi, st.ordinal, st.eps)
        s_lo, s_hi = snap_levels(a_lo, a_hi, st.ordinal[None, None], st.eps[None, None])
        blockers, gaps = blockers_and_gaps(s_lo, s_hi, st.stakes, z.open, st.eps)

        # 6. Settlement, issue by issue in requires order.
        self._settle(t, z, y, ideal, direction)

        # 7. Deal: the round in which the last core issue settles.
        core_done = (self.settled_round[:, st.core] > 0).all(axis=1)
        self.deal_round = np.where((self.deal_round == 0) & core_done, t, self.deal_round)

        return RoundReport(
            t=t,
            structure=st,
            active=active,
            strain=self.strain.copy(),
            ideal=ideal,
            red_line=red,
            limit=limit,
            conceded=f.copy(),
            offer=y,
            a_lo=a_lo,
            a_hi=a_hi,
            zones=z,
            blockers=blockers,
            gaps=gaps,
            settled=self.settled_round > 0,
            settled_round=self.settled_round.copy(),
            value=self.value.copy(),
            deal_round=self.deal_round.copy(),
        )

    def _settle(self, t: int, z: Zones, y: F64, ideal: F64, direction: F64) -> None:
        """Settle, issue by issue in requires order, every run in which the issue can settle."""
        st, dr = self.structure, self.draws
        for i in st.order:
            held = np.flatnonzero(st.stakes[:, i])
            ready = self.settled_round[:, i] == 0
            for j in st.requires[i]:
                ready &= self.settled_round[:, j] > 0
            if len(held) == 1:
                runs = np.flatnonzero(ready)
                value = ideal[runs, held[0], i]
            else:
                zlo, zhi = z.lo[:, i], z.hi[:, i]
                eps = st.eps[i]
                offers = y[:, held, i]  # (R, K)
                up = direction[0, held, i] > 0
                # Each offer has reached the zone: in it, or beyond it away from its ideal.
                toward = np.where(up, offers - zlo[:, None], zhi[:, None] - offers)
                runs = np.flatnonzero(ready & z.open[:, i] & (toward >= -eps).all(axis=1))
                if runs.size == 0:
                    continue
                lo, hi = zlo[runs], np.maximum(zlo[runs], zhi[runs])
                inside = np.clip(offers[runs], lo[:, None], hi[:, None])
                w = dr.capability[runs][:, held] * dr.salience[runs][:, held, i]
                value = canonical_sum(w * inside, axis=1) / canonical_sum(w, axis=1)
                if st.ordinal[i]:
                    level = np.ceil(value - 0.5)  # nearest level, ties to the lower
                    value = np.clip(level, np.ceil(lo - eps), np.floor(hi + eps))
            self.value[runs, i] = value
            self.settled_round[runs, i] = t

    def _override(
        self,
        offers: Mapping[str, Mapping[str, float]],
        y: F64,
        f: F64,
        ideal: F64,
        red: F64,
        a_lo: F64,
        a_hi: F64,
    ) -> tuple[F64, F64]:
        """Put a person's offers in place of a tactic's, clamped into the party's set."""
        st = self.structure
        y, f = y.copy(), f.copy()
        for party, by_issue in offers.items():
            a = st.party_index(party)
            for issue, x in by_issue.items():
                b = st.issue_index(issue)
                if not st.stakes[a, b]:
                    raise ValueError(f"{party} has no stake in {issue}")
                y[:, a, b] = np.clip(float(x), a_lo[:, a, b], a_hi[:, a, b])
                span = red[:, a, b] - ideal[:, a, b]
                share = np.where(
                    span != 0, (y[:, a, b] - ideal[:, a, b]) / np.where(span != 0, span, 1.0), 0.0
                )
                f[:, a, b] = np.clip(share, 0.0, 1.0)
        return y, f


def _group_effects(st: Structure) -> dict[tuple[int, int], I64]:
    """Effects grouped by the stake they shift: several effects on one stake add up."""
    groups: dict[tuple[int, int], list[int]] = {}
    for k, (_, a, b) in enumerate(st.effects):
        groups.setdefault((a, b), []).append(k)
    return {key: np.array(ks, np.int64) for key, ks in groups.items()}
