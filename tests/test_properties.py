"""MODEL.md's twelve invariants as hypothesis properties over generated scenarios.

One test per invariant, named after it; the scenarios come from ``sim.testing.strategies``.
Run counts are small (8-32 runs, at most 12 rounds) so that the suite stays quick in the
default ``ci`` profile (see ``conftest.py``); ``HYPOTHESIS_PROFILE=thorough`` runs 500
examples of each.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from pydantic import TypeAdapter

from sim.distributions import Beta, Normal, Param, Triangular, Uniform
from sim.engine import Negotiation, RoundReport
from sim.loading import dump_scenario, load_scenario_text
from sim.loading import scenario_data as plain_data
from sim.montecarlo import Records, simulate
from sim.scenario import Scenario, check_scenario
from sim.tactics import REGISTRY
from sim.tactics.time import Time
from sim.testing import strategies as sims
from sim.zone import Zones, nash_point

Data = dict[str, Any]
F64 = NDArray[np.float64]

PARAM: TypeAdapter[Any] = TypeAdapter(Param)
CONTINUOUS = (Normal, Uniform, Triangular, Beta)
TIME_FAMILY = tuple(sorted(n for n, t in REGISTRY.items() if issubclass(t, Time)))


# ---------------------------------------------------------------------------------------------
# Helpers: playing, comparing, and editing scenario data
# ---------------------------------------------------------------------------------------------


def validated(data: Data) -> Scenario:
    """The scenario of ``data``, which must have no semantic error."""
    s = Scenario.model_validate(data)
    errors = [p for p in check_scenario(s, REGISTRY) if p.severity == "error"]
    assert not errors, errors
    return s


def play(neg: Negotiation) -> list[RoundReport]:
    """Every round's report, from the first to the deadline."""
    out = []
    while not neg.done:
        out.append(neg.step())
    return out


REPORT_ARRAYS = [f.name for f in fields(RoundReport) if f.name not in ("t", "structure", "zones")]


def arrays(r: RoundReport) -> dict[str, np.ndarray]:
    """A report's arrays by name (zones as zone_lo, zone_hi, zone_open)."""
    out = {name: getattr(r, name) for name in REPORT_ARRAYS}
    out.update(zone_lo=r.zones.lo, zone_hi=r.zones.hi, zone_open=r.zones.open)
    return out


def assert_same_bits(a: np.ndarray, b: np.ndarray, what: str) -> None:
    assert a.shape == b.shape, what
    assert a.dtype == b.dtype, what
    assert a.tobytes() == b.tobytes(), f"{what} differs:\n{a}\n{b}"


def assert_within(a: np.ndarray, b: np.ndarray, tol: Any, what: str) -> None:
    """|a - b| <= tol elementwise (NaN only where both are NaN; infinities equal)."""
    assert a.shape == b.shape, what
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore"):
        near = np.abs(a - b) <= tol
    bad = ~(same | near)
    assert not bad.any(), f"{what}: {a[bad]} vs {b[bad]}"


def walk_params(data: Data) -> Iterable[tuple[Any, Any, str]]:
    """(container, key, kind) of every real-valued field of scenario data; kind is one of
    position, elasticity, shift, round, probability, other."""
    for party in data["parties"].values():
        for k in ("capability", "decay"):
            if k in party:
                yield party, k, "other"
        tac = party.get("tactic")
        if isinstance(tac, dict):
            for k in ("beta", "kappa"):
                if k in tac:
                    yield tac, k, "other"
        for stake in party["stakes"].values():
            for k in ("ideal", "red_line", "limit"):
                if k in stake:
                    yield stake, k, "position"
            for k in ("salience", "beta", "kappa"):
                if k in stake:
                    yield stake, k, "other"
            if "elasticity" in stake:
                yield stake, "elasticity", "elasticity"
    for targets in data.get("leverage", {}).values():
        for b in targets:
            yield targets, b, "other"
    for pr in data.get("pressures", {}).values():
        for k in ("start", "end"):
            if k in pr:
                yield pr, k, "round"
        if "probability" in pr:
            yield pr, "probability", "probability"
        yield pr, "magnitude", "other"
        for eff in pr.get("effects", []):
            yield eff, "shift", "shift"


def affine_param(p: Any, a: float, b: float) -> Any:
    """Param data mapped by x -> a x + b (a != 0): every value, its mean, its spread."""
    if isinstance(p, int | float):
        return a * p + b
    q = dict(p)
    kind = q.get("dist")
    if kind is None:
        q["value"] = a * q["value"] + b
    elif kind == "normal":
        q["mean"], q["sd"] = a * q["mean"] + b, abs(a) * q["sd"]
    elif kind in ("uniform", "beta"):
        lo, hi = a * q["low"] + b, a * q["high"] + b
        q["low"], q["high"] = min(lo, hi), max(lo, hi)
        if kind == "beta" and a < 0:
            q["a"], q["b"] = q["b"], q["a"]
    elif kind == "triangular":
        lo, hi = a * q["low"] + b, a * q["high"] + b
        q["low"], q["mode"], q["high"] = min(lo, hi), a * q["mode"] + b, max(lo, hi)
    else:
        q["values"] = [a * v + b for v in q["values"]]
    return q


def freeze(data: Data) -> Data:
    """``data`` at its means as a scenario with no uncertainty left: every distribution at its
    mean, every event happening (probability 1) iff its probability is at least 0.5."""
    out = copy.deepcopy(data)
    for box, key, kind in list(walk_params(out)):
        mean = sims.param_mean(box[key])
        if kind == "round":
            box[key] = int(mean)
        elif kind == "probability":
            box[key] = 1.0 if min(1.0, max(0.0, mean)) >= 0.5 else 0.0
        else:
            box[key] = mean
    for pr in out.get("pressures", {}).values():
        if "end" in pr:
            pr["end"] = max(pr["end"], pr["start"])
    return out


def rename(
    data: Data, issues: Mapping[str, str], nodes: Mapping[str, str], events: Mapping[str, str]
) -> Data:
    """``data`` with its issue, party/actor and pressure ids renamed."""
    out = copy.deepcopy(data)
    out["issues"] = {issues[i]: v for i, v in out["issues"].items()}
    for v in out["issues"].values():
        if "requires" in v:
            v["requires"] = [issues[j] for j in v["requires"]]
    out["parties"] = {nodes[p]: v for p, v in out["parties"].items()}
    for v in out["parties"].values():
        v["stakes"] = {issues[i]: s for i, s in v["stakes"].items()}
    if "actors" in out:
        out["actors"] = {nodes[a]: v for a, v in out["actors"].items()}
    if "leverage" in out:
        out["leverage"] = {
            nodes[a]: {nodes[b]: w for b, w in t.items()} for a, t in out["leverage"].items()
        }
    if "pressures" in out:
        out["pressures"] = {events[e]: v for e, v in out["pressures"].items()}
        for v in out["pressures"].values():
            v["target"] = nodes[v["target"]]
            for eff in v.get("effects", []):
                eff["party"], eff["issue"] = nodes[eff["party"]], issues[eff["issue"]]
    return out


def shuffled(data: Data, rnd: random.Random) -> Data:
    """``data`` with every mapping keyed by id (and every requires list) in another order."""

    def mix(d: dict[Any, Any]) -> dict[Any, Any]:
        keys = list(d)
        rnd.shuffle(keys)
        return {k: d[k] for k in keys}

    out = copy.deepcopy(data)
    for key in ("issues", "parties", "actors", "pressures", "leverage"):
        if key in out:
            out[key] = mix(out[key])
    for v in out["issues"].values():
        if "requires" in v:
            rnd.shuffle(v["requires"])
        if "points" in v:
            v["points"] = mix(v["points"])
    for v in out["parties"].values():
        v["stakes"] = mix(v["stakes"])
    for a, t in out.get("leverage", {}).items():
        out["leverage"][a] = mix(t)
    return out


def aligned(
    r: RoundReport, parties: list[int], issues: list[int], events: list[int]
) -> dict[str, np.ndarray]:
    """A report's arrays re-indexed: party axis by ``parties``, issue axis by ``issues``,
    event axis by ``events`` (to compare a renamed scenario with its original)."""
    out = {}
    for name, a in arrays(r).items():
        if name == "active":
            a = a[:, events]
        elif name == "strain":
            a = a[:, parties]
        elif a.ndim == 3:
            a = a[:, parties][:, :, issues]
        elif a.ndim == 2:
            a = a[:, issues]
        out[name] = a
    return out


POSITIONS = ("ideal", "red_line", "offer", "a_lo", "a_hi", "gaps", "value", "zone_lo", "zone_hi")


# ---------------------------------------------------------------------------------------------
# 1. A zone is the intersection
# ---------------------------------------------------------------------------------------------


@given(sims.scenarios(), sims.seeds())
def test_inv01_zone_is_intersection(s: Scenario, seed: int) -> None:
    neg = Negotiation(s, runs=16, seed=seed)
    st_ = neg.structure
    for r in play(neg):
        for i in range(st_.I):
            held = st_.stakes[:, i]
            eps = st_.eps[i]
            ideal, red = r.ideal[:, held, i], r.red_line[:, held, i]
            a_lo, a_hi = r.a_lo[:, held, i], r.a_hi[:, held, i]
            # A_pi is the closed interval between the ideal and the red line.
            np.testing.assert_array_equal(a_lo, np.minimum(ideal, red))
            np.testing.assert_array_equal(a_hi, np.maximum(ideal, red))
            # Z_i is the intersection of the stakeholders' sets.
            lo, hi = a_lo.max(axis=1), a_hi.min(axis=1)
            np.testing.assert_array_equal(r.zones.lo[:, i], lo)
            np.testing.assert_array_equal(r.zones.hi[:, i], hi)
            # Open iff max lo <= min hi + eps, and on an ordinal issue it holds a level.
            expect = lo <= hi + eps
            # An open zone lies inside every A_pi (one crossed by less than eps is its lo).
            o = expect
            assert (lo[o, None] >= a_lo[o]).all() and (lo[o, None] <= a_hi[o] + eps).all()
            assert (np.maximum(lo, hi)[o, None] <= a_hi[o]).all()
            if st_.ordinal[i]:
                levels = np.arange(int(st_.hi[i]) + 1)
                holds = (
                    (levels[None] >= lo[:, None] - eps) & (levels[None] <= hi[:, None] + eps)
                ).any(axis=1)
                expect &= holds
            np.testing.assert_array_equal(r.zones.open[:, i], expect, err_msg=f"round {r.t}")


# ---------------------------------------------------------------------------------------------
# 2. A settlement lies inside every stakeholder's acceptable set at its round
# ---------------------------------------------------------------------------------------------


@given(sims.scenarios(), sims.seeds())
def test_inv02_settlement_is_acceptable(s: Scenario, seed: int) -> None:
    neg = Negotiation(s, runs=16, seed=seed)
    st_ = neg.structure
    for r in play(neg):
        now = r.settled_round == r.t  # (R, I): settled in this round
        for i in range(st_.I):
            held = st_.stakes[:, i]
            runs = now[:, i]
            if not runs.any():
                continue
            v = r.value[runs, i][:, None]
            eps = st_.eps[i]
            assert np.isfinite(v).all()
            lo, hi = r.a_lo[runs][:, held, i], r.a_hi[runs][:, held, i]
            bad = (v < lo - eps) | (v > hi + eps)
            assert not bad.any(), (
                f"round {r.t}, issue {st_.issues[i]}: value {v[bad.any(axis=1)].ravel()} "
                f"outside [{lo[bad.any(axis=1)]}, {hi[bad.any(axis=1)]}]"
            )
            if st_.ordinal[i] and held.sum() > 1:
                np.testing.assert_array_equal(v, np.round(v))  # a level


# ---------------------------------------------------------------------------------------------
# 3. Hard red lines move only by direct effects; soft ones stay between start and limit
# ---------------------------------------------------------------------------------------------


@given(sims.scenarios(), sims.seeds())
def test_inv03_red_lines_move_only_as_allowed(s: Scenario, seed: int) -> None:
    neg = Negotiation(s, runs=16, seed=seed)
    st_, dr = neg.structure, neg.draws
    lo, hi = st_.lo[None, None], st_.hi[None, None]
    eps = st_.eps[None, None]
    held = st_.stakes[None]
    for r in play(neg):
        # Direct effects so far: shift x magnitude of every event that started by now.
        moved = np.zeros_like(dr.ideal)
        for k, (e, a, b) in enumerate(st_.effects):
            started = dr.occurs[:, e] & (dr.start[:, e] <= r.t)
            moved[:, a, b] += np.where(started, dr.shift[:, k] * dr.magnitude[:, e], 0.0)
        ideal = np.clip(dr.ideal + moved, lo, hi)
        start = np.clip(dr.red_line + moved, lo, hi)
        limit = np.clip(dr.limit + moved, lo, hi)
        close = lambda x, y: np.abs(x - y) <= eps  # noqa: E731
        assert (close(r.ideal, ideal) | ~held).all(), f"round {r.t}: ideals"
        hard = held & st_.hard[None]
        assert (close(r.red_line, start) | ~hard).all(), f"round {r.t}: a hard red line moved"
        soft = held & ~st_.hard[None]
        d = st_.direction[None]
        between = (d * (r.red_line - start) >= -eps) & (d * (limit - r.red_line) >= -eps)
        assert (between | ~soft).all(), f"round {r.t}: a soft red line left [start, limit]"


# ---------------------------------------------------------------------------------------------
# 4. More strain never narrows a set, closes a zone, or delays a settlement or the deal
# ---------------------------------------------------------------------------------------------


def nodes_reached(data: Data, source: str) -> set[str]:
    g = nx.DiGraph()
    for a, t in data.get("leverage", {}).items():
        for b in t:
            g.add_edge(a, b)
    return {source} | (nx.descendants(g, source) if source in g else set())


def max_abs(p: Any) -> float:
    lo, hi = PARAM.validate_python(p).support()
    return max(abs(lo), abs(hi))


@st.composite
def stronger_pressure(draw: st.DrawFn) -> tuple[Data, Data]:
    """A scenario and its variant in which one pressure, stripped of direct effects and
    reaching parties only through non-negative edges, has a larger magnitude."""
    data = draw(sims.scenario_data(min_pressures=1))
    e = draw(st.sampled_from(sorted(data["pressures"])))
    pr = data["pressures"][e]
    pr.pop("effects", None)
    reached = nodes_reached(data, pr["target"])
    for a, targets in data.get("leverage", {}).items():
        if a in reached:
            for b, w in targets.items():
                targets[b] = max_abs(w)  # |W| (and the radius) unchanged
    delta = draw(st.sampled_from([0.5, 1.0, 2.0]) | st.floats(0.01, 5.0))
    more = copy.deepcopy(data)
    more["pressures"][e]["magnitude"] = affine_param(pr["magnitude"], 1.0, delta)
    note(f"pressure {e!r} raised by {delta}")
    return data, more


@given(stronger_pressure(), sims.seeds())
def test_inv04_more_strain_never_closes_or_delays(pair: tuple[Data, Data], seed: int) -> None:
    base, more = (validated(d) for d in pair)
    nb, nm = Negotiation(base, runs=16, seed=seed), Negotiation(more, runs=16, seed=seed)
    d = nb.structure.direction[None]
    held = nb.structure.stakes[None]
    for rb, rm in zip(play(nb), play(nm), strict=True):
        t = rb.t
        assert (rm.strain >= rb.strain).all(), f"round {t}: strain fell"
        # The red line gives at least as far, so the acceptable set is no narrower.
        wider = (d * (rm.red_line - rb.red_line) >= 0) | ~held
        assert wider.all(), f"round {t}: a set narrowed"
        assert (rm.zones.open | ~rb.zones.open).all(), f"round {t}: an open zone closed"
        sb, sm = rb.settled_round, rm.settled_round
        assert ((sb == 0) | ((sm > 0) & (sm <= sb))).all(), f"round {t}: a settlement came later"
        db, dm = rb.deal_round, rm.deal_round
        assert ((db == 0) | ((dm > 0) & (dm <= db))).all(), f"round {t}: the deal came later"


# ---------------------------------------------------------------------------------------------
# 5. An isolated, untargeted extra party never widens a zone
# ---------------------------------------------------------------------------------------------


@st.composite
def with_outsider(draw: st.DrawFn) -> tuple[Data, Data, str]:
    data = draw(sims.scenario_data(max_parties=3))
    taken = set(data["parties"]) | set(data.get("actors", {}))
    new = draw(sims.ids().filter(lambda x: x not in taken))
    bigger = copy.deepcopy(data)
    bigger["parties"][new] = draw(sims.party_data(data["issues"]))
    return data, bigger, new


@given(with_outsider(), sims.seeds())
def test_inv05_extra_party_never_widens_a_zone(case: tuple[Data, Data, str], seed: int) -> None:
    base, bigger, new = validated(case[0]), validated(case[1]), case[2]
    nb, ng = Negotiation(base, runs=16, seed=seed), Negotiation(bigger, runs=16, seed=seed)
    assert nb.structure.issues == ng.structure.issues
    assert new in ng.structure.parties and new not in nb.structure.parties
    keep = [ng.structure.parties.index(p) for p in nb.structure.parties]
    for rb, rg in zip(play(nb), play(ng), strict=True):
        t = rb.t
        # Common random numbers: the other parties' fields and strains are unchanged.
        assert_same_bits(rg.strain[:, keep], rb.strain, f"round {t}: strain")
        assert_same_bits(rg.red_line[:, keep], rb.red_line, f"round {t}: red lines")
        assert (rg.zones.lo >= rb.zones.lo).all(), f"round {t}: a zone's lower end fell"
        assert (rg.zones.hi <= rb.zones.hi).all(), f"round {t}: a zone's upper end rose"
        assert (rb.zones.open | ~rg.zones.open).all(), f"round {t}: a closed zone opened"


# ---------------------------------------------------------------------------------------------
# 6. Reordering changes nothing; renaming changes only the labels
# ---------------------------------------------------------------------------------------------


def renaming(data: Data, fresh: list[str]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Bijections for issue, node and pressure ids taken from ``fresh`` (unique ids)."""
    it = iter(fresh)
    issues = {i: next(it) for i in data["issues"]}
    nodes = {p: next(it) for p in list(data["parties"]) + list(data.get("actors", {}))}
    events = {e: next(it) for e in data.get("pressures", {})}
    return issues, nodes, events


def compare_renamed(
    old: Negotiation,
    new: Negotiation,
    issues: Mapping[str, str],
    nodes: Mapping[str, str],
    events: Mapping[str, str],
    exact: bool,
) -> None:
    so, sn = old.structure, new.structure
    pi = [sn.parties.index(nodes[p]) for p in so.parties]
    ii = [sn.issues.index(issues[i]) for i in so.issues]
    ei = [sn.events.index(events[e]) for e in so.events]
    np.testing.assert_array_equal(sn.eps[ii], so.eps)
    for ro, rn in zip(play(old), play(new), strict=True):
        a, b = arrays(ro), aligned(rn, pi, ii, ei)
        for name in a:
            what = f"round {ro.t}: {name}"
            if exact or a[name].dtype != np.float64:
                assert_same_bits(b[name], a[name], what)
            elif name in POSITIONS:
                eps = so.eps if a[name].ndim == 2 else so.eps[None]
                assert_within(b[name], a[name], eps, what)
            else:
                assert_within(b[name], a[name], 1e-12 * (1 + np.abs(a[name])), what)


@given(
    sims.scenario_data(),
    st.randoms(use_true_random=False),
    st.permutations([f"{c}{k}" for k, c in enumerate("zyxwvutsrqponmlkjihgfedcbaZYXWVU")]),
    sims.seeds(),
)
def test_inv06_reorder_and_rename(
    data: Data, rnd: random.Random, fresh: list[str], seed: int
) -> None:
    # Reordering: the same arrays to the bit, with or without distributions.
    s, mixed = validated(data), validated(shuffled(data, rnd))
    for ra, rb in zip(
        play(Negotiation(s, runs=4, seed=seed)),
        play(Negotiation(mixed, runs=4, seed=seed)),
        strict=True,
    ):
        for name, a in arrays(ra).items():
            assert_same_bits(arrays(rb)[name], a, f"reordered, round {ra.t}: {name}")

    issues, nodes, events = renaming(data, fresh)
    # Renaming a scenario with distributions: the same values at its means, within eps.
    renamed = validated(rename(data, issues, nodes, events))
    compare_renamed(
        Negotiation(s, at_means=True),
        Negotiation(renamed, at_means=True),
        issues,
        nodes,
        events,
        exact=False,
    )
    # Renaming a scenario without distributions (nor chance events): exactly the same.
    frozen = freeze(data)
    compare_renamed(
        Negotiation(validated(frozen), runs=2, seed=seed),
        Negotiation(validated(rename(frozen, issues, nodes, events)), runs=2, seed=seed),
        issues,
        nodes,
        events,
        exact=True,
    )


# ---------------------------------------------------------------------------------------------
# 7. An affine rescaling of a continuous issue maps zones, Nash points and settlements
# ---------------------------------------------------------------------------------------------


def rescaled(data: Data, issue: str, a: float, b: float) -> Data:
    """``data`` with issue ``issue``'s scale mapped by x -> a x + b: positions mapped, shifts
    scaled by a, elasticities by |a|."""
    out = copy.deepcopy(data)
    iss = out["issues"][issue]
    lo, hi = a * iss["scale"][0] + b, a * iss["scale"][1] + b
    iss["scale"] = [min(lo, hi), max(lo, hi)]
    if "points" in iss:
        iss["points"] = {a * x + b: name for x, name in iss["points"].items()}
    for party in out["parties"].values():
        stake = party["stakes"].get(issue)
        if stake is None:
            continue
        for k in ("ideal", "red_line", "limit"):
            if k in stake:
                stake[k] = affine_param(stake[k], a, b)
        if "elasticity" in stake:
            stake["elasticity"] = affine_param(stake["elasticity"], abs(a), 0.0)
    for pr in out.get("pressures", {}).values():
        for eff in pr.get("effects", []):
            if eff["issue"] == issue:
                eff["shift"] = affine_param(eff["shift"], a, 0.0)
    return out


@st.composite
def affine_case(draw: st.DrawFn) -> tuple[Data, str, float, float]:
    data = draw(sims.scenario_data())
    continuous = sorted(i for i, v in data["issues"].items() if "scale" in v)
    assume(continuous)
    issue = draw(st.sampled_from(continuous))
    a = draw(st.sampled_from([2.0, -1.0, -3.0, 0.5]) | st.floats(0.1, 10.0))
    a = a * draw(st.sampled_from([1.0, -1.0]))
    lo, hi = data["issues"][issue]["scale"]
    k = draw(st.sampled_from([0.0, 1.0, -1.0]) | st.floats(-1000.0, 1000.0))
    return data, issue, a, k * abs(a) * (hi - lo)


def nash_by_round(reports: list[RoundReport], capability: F64) -> F64:
    """The Nash points (T, I) of one run's rounds, in one call (rounds stacked as runs)."""
    cat = lambda f: np.concatenate([f(r) for r in reports])  # noqa: E731
    z = Zones(cat(lambda r: r.zones.lo), cat(lambda r: r.zones.hi), cat(lambda r: r.zones.open))
    cap = np.repeat(capability, len(reports), axis=0)
    st_ = reports[0].structure
    return nash_point(cat(lambda r: r.ideal), cat(lambda r: r.red_line), cap, st_.stakes, z)


@given(affine_case())
def test_inv07_affine_rescaling_maps_zones_nash_and_settlements(
    case: tuple[Data, str, float, float],
) -> None:
    data, issue, a, b = case
    s = validated(data)
    try:
        t = Scenario.model_validate(rescaled(data, issue, a, b))
    except ValueError:  # pragma: no cover - a distribution collapsed by rounding
        assume(False)
        raise
    assume(not [p for p in check_scenario(t, REGISTRY) if p.severity == "error"])
    n0, n1 = Negotiation(s, at_means=True), Negotiation(t, at_means=True)
    st0, st1 = n0.structure, n1.structure
    i = st0.issues.index(issue)
    eps0, eps1 = st0.eps[i], st1.eps[i]
    assert np.isclose(eps1, abs(a) * eps0, rtol=1e-9)
    held = st0.stakes[:, i]
    # The direction of every stake that has one (a red line or limit off its ideal) flips
    # with the sign of a; else the two were within rounding of each other: a tie.
    for k, p in enumerate(st0.parties):
        stake = s.parties[p].stakes.get(issue)
        if stake is None:
            continue
        x, ends = stake.ideal.mean(), [stake.red_line, stake.limit]
        if any(e is not None and e.mean() != x for e in ends):
            assume(st1.direction[k, i] == np.sign(a) * st0.direction[k, i])
    others = [k for k in range(st0.I) if k != i]
    m = lambda x: a * x + b  # noqa: E731
    tol = eps1
    rounds0, rounds1 = play(n0), play(n1)
    nash0 = nash_by_round(rounds0, n0.draws.capability)[:, i]
    nash1 = nash_by_round(rounds1, n1.draws.capability)[:, i]
    for r0, r1, p0, p1 in zip(rounds0, rounds1, nash0, nash1, strict=True):
        # Comparisons within a few eps of their threshold may tie either way: skip the case.
        zl, zh = r0.zones.lo[0, i], r0.zones.hi[0, i]
        assume(abs((zl - zh) - eps0) > 0.1 * eps0)
        d = st0.direction[held, i]
        toward = np.where(d > 0, r0.offer[0, held, i] - zl, zh - r0.offer[0, held, i])
        assume((np.abs(toward + eps0) > 0.1 * eps0).all())
        span = np.abs(r0.red_line[0, held, i] - r0.ideal[0, held, i])
        assume(((span == 0) | (span > 1e-6 * eps0)).all())

        what = f"round {r0.t}"
        # Zones map (bounds swap when a < 0).
        lo1, hi1 = (m(zl), m(zh)) if a > 0 else (m(zh), m(zl))
        assert abs(r1.zones.lo[0, i] - lo1) <= tol, what
        assert abs(r1.zones.hi[0, i] - hi1) <= tol, what
        assert r1.zones.open[0, i] == r0.zones.open[0, i], what
        # Nash points map.
        assert np.isnan(p0) == np.isnan(p1), what
        if not np.isnan(p0):
            assert abs(p1 - m(p0)) <= tol, f"{what}: Nash point {p1} vs {m(p0)}"
        # Settlements map; the other issues are untouched.
        assert r1.settled_round[0, i] == r0.settled_round[0, i], what
        if r0.settled_round[0, i]:
            assert abs(r1.value[0, i] - m(r0.value[0, i])) <= tol, what
        for k in others:
            assert r1.settled_round[0, k] == r0.settled_round[0, k], what
            np.testing.assert_array_equal(r1.value[0, k], r0.value[0, k], err_msg=what)
            np.testing.assert_array_equal(r1.zones.lo[0, k], r0.zones.lo[0, k], err_msg=what)
            np.testing.assert_array_equal(r1.zones.hi[0, k], r0.zones.hi[0, k], err_msg=what)
        assert r1.deal_round[0] == r0.deal_round[0], what


# ---------------------------------------------------------------------------------------------
# 8. Same scenario, same seed: the same bytes whatever the batch size or worker count
# ---------------------------------------------------------------------------------------------


def outcome_bytes(s: Scenario, runs: int, seed: int, **kw: Any) -> dict[str, bytes]:
    """Everything a run directory would hold: runs.csv-like records and the aggregates."""
    recs: list[Records] = []
    out = simulate(s, runs, seed, on_batch=recs.append, **kw)
    assert out.completed == runs and not out.interrupted
    cat = lambda f: np.concatenate([getattr(r, f) for r in recs])  # noqa: E731
    got = {f: cat(f).tobytes() for f in ("runs", "deal_round", "settled_round", "value")}
    got.update(leaf_bytes(out.aggregate, "aggregate"))
    return got


def leaf_bytes(obj: Any, name: str) -> dict[str, bytes]:
    """The bytes of every array (and number) inside ``obj``, a dataclass tree, by path."""
    if isinstance(obj, np.ndarray):
        return {name: obj.dtype.str.encode() + repr(obj.shape).encode() + obj.tobytes()}
    if is_dataclass(obj):
        out: dict[str, bytes] = {}
        for f in fields(obj):
            out.update(leaf_bytes(getattr(obj, f.name), f"{name}.{f.name}"))
        return out
    return {name: repr(obj).encode()}


@given(sims.scenarios(), sims.seeds(), st.integers(1, 6))
def test_inv08_same_seed_same_bytes_whatever_the_batch(s: Scenario, seed: int, runs: int) -> None:
    one = outcome_bytes(s, runs, seed, batch=1)
    assert outcome_bytes(s, runs, seed, batch=4) == one
    assert outcome_bytes(s, runs, seed) == one


UNCERTAIN = """
title: two parties, uncertain red lines
rounds: 8
issues:
  border: {label: border, scale: [0, 100]}
  trade: {label: trade, levels: [none, some, full], requires: [border]}
parties:
  east:
    name: East
    capability: {dist: uniform, low: 0.5, high: 2}
    tactic: {name: time, beta: {dist: triangular, low: 0.5, mode: 1, high: 3}}
    stakes:
      border: {ideal: 0, red_line: {dist: uniform, low: 40, high: 80}, elasticity: 5}
      trade: {ideal: 2, red_line: {dist: choice, values: [0, 1]}, hard: true}
  west:
    name: West
    decay: {dist: beta, a: 2, b: 2, low: 0, high: 0.8}
    tactic: reciprocal
    stakes:
      border: {ideal: 100, red_line: {dist: normal, mean: 45, sd: 10}}
      trade: {ideal: 0, red_line: 2, hard: true}
actors:
  buyer: {name: Buyer}
leverage:
  buyer: {east: {dist: uniform, low: 0.1, high: 0.6}}
pressures:
  tariff:
    kind: tariff
    target: buyer
    start: {dist: choice, values: [1, 2, 3]}
    probability: 0.6
    magnitude: {dist: normal, mean: 1, sd: 0.5}
"""


def test_inv08_worker_count_changes_no_byte() -> None:
    s = load_scenario_text(UNCERTAIN).scenario
    one = outcome_bytes(s, 300, 11, batch=40)
    assert outcome_bytes(s, 300, 11, batch=40, workers=2) == one
    assert outcome_bytes(s, 300, 11, batch=300) == one


def test_inv08_another_seed_gives_other_results() -> None:
    s = load_scenario_text(UNCERTAIN).scenario
    a, b = outcome_bytes(s, 64, 1), outcome_bytes(s, 64, 2)
    assert a["runs"] == b["runs"]
    assert a["value"] != b["value"]
    aggregate = lambda o: {k: v for k, v in o.items() if k.startswith("aggregate.")}  # noqa: E731
    assert aggregate(a) != aggregate(b)


@given(sims.scenarios(), sims.seeds())
def test_inv08_another_seed_draws_other_numbers(s: Scenario, seed: int) -> None:
    d1 = Negotiation(s, runs=8, seed=seed).draws
    d2 = Negotiation(s, runs=8, seed=seed + 1).draws
    st_ = Negotiation(s, at_means=True).structure
    for a, p in enumerate(st_.parties):
        for b, i in enumerate(st_.issues):
            stake = s.parties[p].stakes.get(i)
            if stake is not None and isinstance(stake.red_line, CONTINUOUS):
                # A continuous distribution: another seed, other numbers (unless every draw
                # was clipped onto the ideal under both seeds).
                r1, r2 = d1.red_line[:, a, b], d2.red_line[:, a, b]
                clipped = (r1 == d1.ideal[:, a, b]).all() and (r2 == d2.ideal[:, a, b]).all()
                assert clipped or not np.array_equal(r1, r2), (p, i)


# ---------------------------------------------------------------------------------------------
# 9. A settled issue stays settled with the same value
# ---------------------------------------------------------------------------------------------


@given(sims.scenarios(), sims.seeds())
def test_inv09_settled_stays_settled(s: Scenario, seed: int) -> None:
    neg = Negotiation(s, runs=16, seed=seed)
    core = neg.structure.core
    prev: RoundReport | None = None
    for r in play(neg):
        assert ((r.settled_round > 0) == r.settled).all()
        assert (np.isnan(r.value) == ~r.settled).all(), f"round {r.t}: value without settlement"
        assert ((r.settled_round <= r.t) & (r.settled_round >= 0)).all()
        assert (r.deal == r.settled[:, core].all(axis=1)).all(), f"round {r.t}: deal"
        if prev is not None:
            was = prev.settled
            assert r.settled[was].all(), f"round {r.t}: a settled issue came unsettled"
            assert_same_bits(r.settled_round[was], prev.settled_round[was], f"round {r.t}")
            assert_same_bits(r.value[was], prev.value[was], f"round {r.t}: value changed")
            kept = prev.deal
            assert_same_bits(r.deal_round[kept], prev.deal_round[kept], f"round {r.t}: deal")
        prev = r


# ---------------------------------------------------------------------------------------------
# 10. Load, dump, load gives an equal scenario
# ---------------------------------------------------------------------------------------------


@given(sims.scenario_data())
def test_inv10_load_dump_load_is_equal(data: Data) -> None:
    s = validated(data)
    text = dump_scenario(s)
    loaded = load_scenario_text(text).scenario
    assert loaded == s
    assert dump_scenario(loaded) == text
    assert Scenario.model_validate(plain_data(s)) == s


@given(sims.scenario_data(max_pressures=0))
def test_inv10_load_dump_load_is_equal_without_pressures(data: Data) -> None:
    """The same round trip for scenarios with no pressure (so with no round numbers), which
    keeps every other field covered while a dumped round number does not load back."""
    s = validated(data)
    assert load_scenario_text(dump_scenario(s)).scenario == s


# ---------------------------------------------------------------------------------------------
# 11. P(deal by t) and P(settled by t) never decrease and stay in [0, 1]
# ---------------------------------------------------------------------------------------------


@given(sims.scenarios(), sims.seeds(), st.integers(1, 32))
def test_inv11_probabilities_by_round_never_decrease(s: Scenario, seed: int, runs: int) -> None:
    agg = simulate(s, runs, seed).aggregate
    assert agg.runs == runs
    for counts in (agg.deal[:, None], agg.settled):
        p = counts / runs
        assert ((p >= 0) & (p <= 1)).all()
        assert (np.diff(p, axis=0) >= 0).all(), p


# ---------------------------------------------------------------------------------------------
# 12. Time-tactic stakeholders: an open issue whose requirements settled has settled by T
# ---------------------------------------------------------------------------------------------


@given(
    sims.scenarios(tactics=TIME_FAMILY) | sims.scenarios(tactics=TIME_FAMILY + ("hold",)),
    sims.seeds(),
)
def test_inv12_time_tactics_settle_open_issues_by_the_deadline(s: Scenario, seed: int) -> None:
    neg = Negotiation(s, runs=16, seed=seed)
    st_ = neg.structure
    last = play(neg)[-1]
    assert last.t == st_.T
    for i in range(st_.I):
        stakeholders = [st_.parties[a] for a in np.flatnonzero(st_.stakes[:, i])]
        if any(s.parties[p].tactic.name not in TIME_FAMILY for p in stakeholders):
            continue
        ready = np.ones(neg.runs, bool)
        for j in st_.requires[i]:
            ready &= last.settled[:, j]
        due = last.zones.open[:, i] & ready
        assert last.settled[due, i].all(), (
            f"issue {st_.issues[i]} open at T={st_.T} with its requirements settled, "
            f"not settled in runs {np.flatnonzero(due & ~last.settled[:, i])}"
        )


# ---------------------------------------------------------------------------------------------
# Beside the invariants: strain is the pressure propagated over every path (MODEL.md step 2)
# ---------------------------------------------------------------------------------------------


@given(sims.scenarios(distributions=False), sims.seeds())
def test_strain_is_the_pressure_propagated_over_every_path(s: Scenario, seed: int) -> None:
    """S_p(t) = max(0, decay_p S_p(t-1) + g_p(t)) with g = (I - W^T)^-1 d, the sum over walks
    of every length, checked against a linear solve."""
    neg = Negotiation(s, runs=8, seed=seed)
    st_, dr = neg.structure, neg.draws
    N, P = st_.N, st_.P
    w = np.zeros((N, N))
    for a, b, weight in s.leverage_edges():
        w[st_.nodes.index(a), st_.nodes.index(b)] = weight.mean()
    m = np.linalg.inv(np.eye(N) - w.T)
    strain = np.zeros((neg.runs, P))
    for r in play(neg):
        active = dr.occurs & (dr.start <= r.t) & (r.t <= dr.end)
        d = np.zeros((neg.runs, N))
        for e, node in enumerate(st_.target):
            d[:, node] += np.where(active[:, e], dr.magnitude[:, e], 0.0)
        g = d @ m.T
        strain = np.maximum(0.0, dr.decay * strain + g[:, :P])
        np.testing.assert_allclose(r.strain, strain, rtol=1e-9, atol=1e-9, err_msg=f"round {r.t}")


# ---------------------------------------------------------------------------------------------
# The strategies themselves
# ---------------------------------------------------------------------------------------------


@given(sims.scenario_data())
def test_generated_scenarios_are_valid(data: Data) -> None:
    validated(data)


@pytest.mark.parametrize(
    "knobs",
    [
        dict(distributions=False, chance_events=False),
        dict(ordinal=True, hard=True, requires=False),
        dict(ordinal=False, hard=False, leverage=False, effects=False, max_pressures=0),
        dict(min_parties=4, max_parties=4, min_issues=4, single_stakeholder=False),
    ],
)
def test_strategy_knobs(knobs: dict[str, Any]) -> None:
    @settings(max_examples=10)
    @given(sims.scenario_data(**knobs))
    def check(data: Data) -> None:
        s = validated(data)
        if knobs.get("distributions") is False:
            for box, key, kind in walk_params(data):
                assert not (isinstance(box[key], dict) and "dist" in box[key]), (key, box)
                if kind == "probability":
                    assert box[key] in (0.0, 1.0)
        if knobs.get("single_stakeholder") is False:
            assert all(len(s.stakeholders(i)) >= 2 for i in s.issues)
        if knobs.get("ordinal") is True:
            assert all(i.ordinal for i in s.issues.values())
        if knobs.get("hard") is True:
            assert all(st_.hard for p in s.parties.values() for st_ in p.stakes.values())
        if knobs.get("requires") is False:
            assert all(not i.requires for i in s.issues.values())

    check()
