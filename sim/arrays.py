"""The scenario as arrays: its fixed structure (:class:`Structure`) and, for a batch of runs,
every field drawn (:class:`Draws`).

Parties, issues, actors and pressures are taken in sorted order of their ids, so the file's
order never reaches the engine. Uncertain fields are drawn once per run at its start, clipped
into their domains as MODEL.md says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from .distributions import AnyParam, Fixed, is_random
from .numerics import canonical_sum, ordered_matmul
from .random_ import draw, uniforms
from .scenario import Scenario, leverage_graph, leverage_radius, stake_direction
from .tactics import REGISTRY

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class Structure:
    """What does not vary between runs: ids, shapes, stakes, directions, graphs."""

    scenario: Scenario
    parties: tuple[str, ...]
    issues: tuple[str, ...]
    nodes: tuple[str, ...]  # parties first, then actors
    events: tuple[str, ...]
    T: int
    stakes: B  # (P, I)
    direction: F64  # (P, I): +1 or -1
    hard: B  # (P, I)
    lo: F64  # (I,)
    hi: F64  # (I,)
    eps: F64  # (I,)
    ordinal: B  # (I,)
    core: B  # (I,)
    order: tuple[int, ...]  # issues in requires order
    requires: tuple[tuple[int, ...], ...]  # per issue, indices of required issues
    target: I64  # (E,): node index of each event's target
    effects: tuple[tuple[int, int, int], ...]  # (event, party, issue) per effect
    tactic_groups: tuple[tuple[str, I64], ...]  # tactic name, party indices
    doubling_steps: int
    events_on: tuple[tuple[int, I64], ...]  # (node, the events that target it)
    reaching: tuple[tuple[int, I64], ...]  # (party, the nodes whose pressure reaches it)

    @property
    def P(self) -> int:
        return len(self.parties)

    @property
    def I(self) -> int:  # noqa: E743
        return len(self.issues)

    @property
    def N(self) -> int:
        return len(self.nodes)

    def party_index(self, p: str) -> int:
        return self.parties.index(p)

    def issue_index(self, i: str) -> int:
        return self.issues.index(i)


def structure(s: Scenario) -> Structure:
    """Compile a validated scenario's fixed structure."""
    parties = tuple(sorted(s.parties))
    issues = tuple(sorted(s.issues))
    nodes = parties + tuple(sorted(s.actors))
    events = tuple(sorted(s.pressures))
    P, I = len(parties), len(issues)
    stakes = np.zeros((P, I), bool)
    direction = np.ones((P, I))
    hard = np.zeros((P, I), bool)
    for a, p in enumerate(parties):
        for b, i in enumerate(issues):
            st = s.parties[p].stakes.get(i)
            if st is not None:
                stakes[a, b] = True
                direction[a, b] = stake_direction(st)
                hard[a, b] = st.hard
    req = nx.DiGraph()
    req.add_nodes_from(issues)
    req.add_edges_from((j, i) for i in issues for j in s.issues[i].requires)
    order = tuple(issues.index(i) for i in nx.lexicographical_topological_sort(req))
    bounds = np.array([s.issues[i].bounds for i in issues])
    effects = tuple(
        (k, parties.index(eff.party), issues.index(eff.issue))
        for k, e in enumerate(events)
        for eff in s.pressures[e].effects
    )
    groups: dict[str, list[int]] = {}
    for a, p in enumerate(parties):
        groups.setdefault(s.parties[p].tactic.name, []).append(a)
    radius = leverage_radius(s) or 0.0
    graph = leverage_graph(s)
    # Doubling steps: 2^steps terms of the series. Every walk of an acyclic graph is shorter
    # than N, so 2^steps >= N makes the series exact there; with cycles, also enough steps
    # that the neglected tail, radius^(2^steps), is below 2^-64 of the kept part. The count
    # depends only on the graph, never on the pressures.
    steps = max(1, math.ceil(math.log2(len(nodes) + 1)))
    while radius > 0 and radius ** (2**steps) > 2.0**-64 and steps < 40:
        steps += 1
    return Structure(
        scenario=s,
        parties=parties,
        issues=issues,
        nodes=nodes,
        events=events,
        T=s.rounds,
        stakes=stakes,
        direction=direction,
        hard=hard,
        lo=bounds[:, 0].copy(),
        hi=bounds[:, 1].copy(),
        eps=1e-9 * (bounds[:, 1] - bounds[:, 0]),
        ordinal=np.array([s.issues[i].ordinal for i in issues], bool),
        core=np.array([s.issues[i].core for i in issues], bool),
        order=order,
        requires=tuple(tuple(issues.index(j) for j in s.issues[i].requires) for i in issues),
        target=np.array([nodes.index(s.pressures[e].target) for e in events], np.int64),
        effects=effects,
        tactic_groups=tuple((n, np.array(ix, np.intp)) for n, ix in sorted(groups.items())),
        doubling_steps=steps,
        events_on=tuple(
            (n, np.array(ev, np.int64)) for n in range(len(nodes))
            if (ev := [e for e, name in enumerate(events)
                       if s.pressures[name].target == nodes[n]])
        ),
        reaching=tuple(
            (a, np.array(sorted(nodes.index(m) for m in nx.ancestors(graph, p) | {p}), np.int64))
            for a, p in enumerate(parties)
        ),
    )


@dataclass(frozen=True)
class Draws:
    """Every per-run value of a batch of R runs."""

    runs: I64  # (R,) run indices
    capability: F64  # (R, P)
    decay: F64  # (R, P)
    ideal: F64  # (R, P, I) at the start, before direct effects
    red_line: F64  # (R, P, I)
    limit: F64  # (R, P, I)
    salience: F64  # (R, P, I)
    elasticity: F64  # (R, P, I)
    beta: F64  # (R, P, I): b_pi of the time tactic
    kappa: F64  # (R, P, I)
    occurs: B  # (R, E)
    start: I64  # (R, E)
    end: I64  # (R, E)
    magnitude: F64  # (R, E)
    shift: F64  # (R, K) per effect
    propagation: F64  # (R or 1, N, N): M = sum_k (W^T)^k

    @property
    def R(self) -> int:
        return len(self.runs)


class _Sampler:
    """Draws fields for a batch of runs, or takes them at their means (R = 1)."""

    def __init__(self, seed: int | None, runs: I64) -> None:
        self.seed, self.runs = seed, runs

    def __call__(self, p: AnyParam, path: str) -> F64:
        if self.seed is None:  # at its means
            return np.full(self.runs.shape, p.mean())
        return draw(p, self.seed, path, self.runs)

    def occurs(self, probability: F64, path: str) -> B:
        if self.seed is None:
            return probability >= 0.5
        return uniforms(self.seed, path, self.runs) < probability


def draw_batch(st: Structure, seed: int | None, runs: I64) -> Draws:
    """Draw every uncertain field for runs ``runs`` (seed None: the scenario at its means)."""
    s = st.scenario
    R, P, I, E = len(runs), st.P, st.I, len(st.events)
    take = _Sampler(seed, runs)
    cap, decay = np.empty((R, P)), np.empty((R, P))
    beta_p, kappa_p = np.empty((R, P)), np.empty((R, P))
    shape = (R, P, I)
    ideal, red, limit = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    sal, ela = np.ones(shape), np.zeros(shape)
    beta, kappa = np.ones(shape), np.zeros(shape)
    stake_beta = np.zeros((P, I), bool)
    for a, p in enumerate(st.parties):
        party = s.parties[p]
        base = f"parties.{p}"
        cap[:, a] = take(party.capability, f"{base}.capability")
        decay[:, a] = np.clip(take(party.decay, f"{base}.decay"), 0.0, np.nextafter(1.0, 0.0))
        tac = party.tactic
        default_beta = REGISTRY[tac.name].default_beta
        beta_p[:, a] = take(tac.beta or Fixed(value=default_beta), f"{base}.tactic.beta")
        kappa_p[:, a] = np.maximum(0.0, take(tac.kappa, f"{base}.tactic.kappa"))
        for b, i in enumerate(st.issues):
            sk = party.stakes.get(i)
            if sk is None:
                continue
            sp = f"{base}.stakes.{i}"
            lo, hi, d = st.lo[b], st.hi[b], st.direction[a, b]
            x = np.clip(take(sk.ideal, f"{sp}.ideal"), lo, hi)
            r = take(sk.red_line, f"{sp}.red_line")
            r = np.clip(r, x, hi) if d > 0 else np.clip(r, lo, x)
            if sk.limit is None:
                lim = np.full(R, hi if d > 0 else lo)
            else:
                lim = take(sk.limit, f"{sp}.limit")
                lim = np.clip(lim, r, hi) if d > 0 else np.clip(lim, lo, r)
            ideal[:, a, b], red[:, a, b], limit[:, a, b] = x, r, lim
            sal[:, a, b] = take(sk.salience, f"{sp}.salience")
            ela[:, a, b] = np.maximum(0.0, take(sk.elasticity, f"{sp}.elasticity"))
            if sk.beta is not None:
                beta[:, a, b] = take(sk.beta, f"{sp}.beta")
                stake_beta[a, b] = True
            kappa[:, a, b] = (
                kappa_p[:, a]
                if sk.kappa is None
                else np.maximum(0.0, take(sk.kappa, f"{sp}.kappa"))
            )
    # b_pi = beta_p x (mean salience of p's stakes) / s_pi, unless the stake sets its own beta.
    held = st.stakes[None]
    count = st.stakes.sum(axis=1)[None]
    # A party with no stakes has no mean salience; 1 keeps its (unused) exponent finite.
    mean_sal = np.where(count > 0, canonical_sum(np.where(held, sal, 0.0), axis=2)
                        / np.maximum(count, 1), 1.0)
    derived = beta_p[:, :, None] * mean_sal[:, :, None] / sal
    beta = np.where(stake_beta[None], beta, derived)

    occurs = np.zeros((R, E), bool)
    start = np.ones((R, E), np.int64)
    end = np.full((R, E), st.T, np.int64)
    mag = np.zeros((R, E))
    shifts = np.zeros((R, len(st.effects)))
    k = 0
    for e, name in enumerate(st.events):
        pr = s.pressures[name]
        base = f"pressures.{name}"
        prob = np.clip(take(pr.probability, f"{base}.probability"), 0.0, 1.0)
        occurs[:, e] = take.occurs(prob, f"{base}.occurs")
        start[:, e] = np.rint(take(pr.start, f"{base}.start")).astype(np.int64)
        if pr.end is not None:
            end[:, e] = np.maximum(
                np.rint(take(pr.end, f"{base}.end")).astype(np.int64), start[:, e]
            )
        mag[:, e] = take(pr.magnitude, f"{base}.magnitude")
        for j, eff in enumerate(pr.effects):
            shifts[:, k] = take(eff.shift, f"{base}.effects.{j}.shift")
            k += 1
    for e, name in enumerate(st.events):  # shared occurrences
        pr = s.pressures[name]
        if pr.occurs_with is not None:
            occurs[:, e] = occurs[:, st.events.index(pr.occurs_with)]
        elif pr.occurs_without is not None:
            occurs[:, e] = ~occurs[:, st.events.index(pr.occurs_without)]
    return Draws(
        runs=runs,
        capability=cap,
        decay=decay,
        ideal=ideal,
        red_line=red,
        limit=limit,
        salience=sal,
        elasticity=ela,
        beta=beta,
        kappa=kappa,
        occurs=occurs,
        start=start,
        end=end,
        magnitude=mag,
        shift=shifts,
        propagation=_propagation(st, take),
    )


def _propagation(st: Structure, take: _Sampler) -> F64:
    """M = I + W^T + (W^T)^2 + ... by repeated doubling, per run when weights are uncertain.

    Every entry of column j is a canonical sum of products of weights along walks from j, so
    where all walks from j are non-negative it is non-negative, and g = M d never decreases
    when a magnitude on j rises (MODEL.md, strain). The number of steps depends only on the
    graph, never on the pressures.
    """
    s, N = st.scenario, st.N
    edges = list(s.leverage_edges())
    random = any(is_random(w) for _, _, w in edges)
    R = len(take.runs) if random else 1
    m = np.broadcast_to(np.eye(N), (R, N, N)).copy()
    if not edges:
        return m
    # Only nodes with an edge take part; every other node passes on just its own pressure.
    # (Leaving them out drops exact zeros from every sum, so nothing changes but the memory:
    # the doubling holds (R, k, k, k) products for k linked nodes, not (R, N, N, N).)
    linked = sorted({st.nodes.index(a) for a, _, _ in edges} |
                    {st.nodes.index(b) for _, b, _ in edges})
    k = len(linked)
    wt = np.zeros((R, k, k))  # W^T: wt[b, a] = weight of edge a -> b
    for a, b, w in edges:
        wt[:, linked.index(st.nodes.index(b)), linked.index(st.nodes.index(a))] = take(
            w, f"leverage.{a}.{b}")[:R]
    sub = np.broadcast_to(np.eye(k), (R, k, k)).copy()
    power = wt
    for _ in range(st.doubling_steps):
        sub = sub + ordered_matmul(power, sub)
        power = ordered_matmul(power, power)
    m[:, np.array(linked)[:, None], np.array(linked)[None, :]] = sub
    return m
