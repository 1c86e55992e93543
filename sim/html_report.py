"""One self-contained HTML report of a run directory, for a student to open offline.

Why one file. A report that is a single HTML file travels by e-mail and opens on any machine
without a network: every figure is embedded as a base64 PNG data URI, the CSS is inline, there
is no script and no external request. Every piece of text (labels, citations, assumptions, fact
texts) is HTML-escaped, so a scenario cannot inject markup.

Contents: the run (scenario, seed, runs, status), the summary, every figure kind of
:mod:`sim.plot` with a caption on how to read it, the zone table of the scenario at its means,
"What would it take" (the minimal red-line moves that open each closed zone at round 1 and at
the deadline, and, when given or asked for, tipping points and the sensitivity ranking), and
where each number of the scenario comes from (cited facts with their texts, or the stated
assumption). The what-if section is cheap by default (two plays at the means); a sensitivity
analysis runs hundreds of scenarios, so it is computed only when asked for.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .plot import KINDS, RunData, describe_zone, png_bytes, render, zone_ladder
from .rundir import write_atomic

if TYPE_CHECKING:
    from .scenario import Scenario
    from .sensitivity import Sensitivity
    from .tipping import TipResult

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       max-width: 1200px; margin: 0 auto; padding: 1.5em; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.55em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 2px solid #0072B2; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
p.lead { color: #444; margin-top: 0; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; width: 100%; }
th, td { border: 1px solid #d0d0d0; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.9em;
          white-space: nowrap; }
pre { background: #f5f5f5; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
figure { margin: 1.2em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #e2e2e2; }
figcaption { color: #333; font-size: 0.92em; margin-top: 0.4em; }
.note { background: #fff6e0; border-left: 4px solid #E69F00; padding: 0.5em 0.8em; }
.cited { color: #005a8c; } .assumption { color: #8a4b00; } .unsourced { color: #b00020; }
details { margin: 0.3em 0; } summary { cursor: pointer; font-weight: 600; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1em; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
"""

CAPTIONS = {
    "ladder": (
        "Zone ladder of the scenario at its means (every uncertain input at its mean). Per "
        "issue, each party's acceptable set is a bar from its ideal (dot) to its red line "
        "(solid tick: hard, never moves under strain; dashed: soft); the triangle is its "
        "offer. The shaded band is the zone, where all sets overlap; a hatched bar and a name "
        "in bold mark a blocker. A black line is the settlement; a dotted line the Nash point "
        "of an open zone that has not settled."
    ),
    "weather": (
        "Zone weather over all runs: for each issue and round, the share of runs in which its "
        "zone is open (top) and in which it has settled by that round (middle); the bottom "
        "strip is the share of runs with a deal (every core issue settled) by that round."
    ),
    "deal": (
        "P(deal by round): the share of runs in which every core issue has settled by each "
        "round. The band is a 95% Wilson confidence interval for the Monte Carlo estimate: it "
        "narrows as the number of runs grows."
    ),
    "settlements": (
        "Settlement values over the runs in which each issue settled (bars: share of all "
        "runs). Overlaid for the scenario at its means at the deadline: the zone (shaded), its "
        "Nash point (dotted) and each party's red line (line and triangle in the party's "
        "colour; filled: hard, hollow and dashed: soft)."
    ),
    "blockers": (
        "How often each party blocks each issue: the share of (run, round) pairs in which its "
        "acceptable set misses the points that most parties accept. Grey cells: the party has "
        "no stake in the issue."
    ),
    "strain": (
        "Strain by round: how much pressure each party feels. The light band holds 90% of the "
        "runs, the dark band 50%, the line is the median. Strain moves soft red lines and can "
        "hurry concessions."
    ),
}

TITLES = {
    "ladder": "Zone ladder",
    "weather": "Zone weather",
    "deal": "P(deal by round)",
    "settlements": "Settlement distributions",
    "blockers": "Blockers",
    "strain": "Strain",
}


def esc(x: object) -> str:
    """Any value as escaped HTML text."""
    return html.escape(str(x), quote=True)


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def ladder_rounds(T: int) -> list[int]:
    """The rounds the report's ladder shows side by side: the first and the last."""
    return sorted({1, T})


def _figure(kind: str, run: RunData, dpi: float) -> str:
    fig = (zone_ladder(run, ladder_rounds(run.T)) if kind == "ladder" else render(run, kind))
    uri = data_uri(png_bytes(fig, dpi))
    return (f'<figure id="fig-{kind}"><img src="{uri}" alt="{esc(TITLES[kind])}">'
            f"<figcaption>{esc(CAPTIONS[kind])}</figcaption></figure>")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: frozenset[int] =
           frozenset(), cls: str = "", table_id: str = "", raw: frozenset[int] = frozenset()
           ) -> str:
    """An HTML table; cells are escaped unless their column is in ``raw`` (already HTML)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for k, cell in enumerate(row):
            c = ' class="num"' if k in numeric else ' class="path"' if cls == "paths" and k == 0 \
                else ""
            cells.append(f"<td{c}>{cell if k in raw else esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    tid = f' id="{esc(table_id)}"' if table_id else ""
    return f"<table{tid}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _f(x: float, fmt: str = "{:.1%}") -> str:
    return "" if not math.isfinite(x) else fmt.format(x)


def _range(a: str, b: str) -> str:
    return a if a == b else f"{a} .. {b}"


def _summary(run: RunData) -> str:
    out = []
    summary = run.path / "summary.txt"
    if summary.is_file():
        out.append(f"<pre>{esc(summary.read_text(encoding='utf-8').rstrip())}</pre>")
    s = run.settlements
    rows = []
    for k, issue_id in enumerate(s.text("issue")):
        issue = run.issue(issue_id)
        q05, q50, q95 = (s.num(c)[k] for c in ("value_q05", "value_q50", "value_q95"))
        median_round = s.text("median_round")[k]
        top = s.text("top_blocker")[k]
        top_name = run.party(top).name if top and any(p.id == top for p in run.parties) else top
        rows.append([
            issue.label, "yes" if s.yes("core")[k] else "no", _f(s.num("p_settled")[k]),
            run.round_label(int(median_round)) if median_round else "-",
            issue.describe(q50) if math.isfinite(q50) else "-",
            _range(issue.describe(q05), issue.describe(q95)) if math.isfinite(q05) else "-",
            f"{top_name} ({_f(s.num('p_top_blocker')[k], '{:.0%}')} of run-rounds)" if top
            else "-",
        ])
    out.append("<h3>Settlements by the deadline</h3>")
    out.append(_table(["issue", "core", "P(settled)", "half the runs settled by",
                       "median settlement", "5%-95% of settlements", "most frequent blocker"],
                      rows, numeric=frozenset({2}), table_id="settlements"))
    return "\n".join(out)


def _zone_table(run: RunData) -> str:
    z = run.zones
    out = ["<p>The scenario at its means, round by round: each issue's zone (the overlap of "
           "the acceptable sets), who sets its bounds or blocks it, the parties' gaps and "
           "offers, and what has settled. The first and last rounds are open; click a round to "
           "see it.</p>", '<div id="zone-table">']
    by_round: dict[int, list[int]] = {}
    for k, t in enumerate(z.ints("round")):
        by_round.setdefault(int(t), []).append(k)
    header = ["issue", "zone", "outcome", "bounds set by / blockers", "gaps", "offers"]
    for t, ks in by_round.items():
        rows = []
        for k in ks:
            issue = run.issue(z.text("issue")[k])
            lo, hi = z.num("lo")[k], z.num("hi")[k]
            open_ = z.yes("open")[k]
            if open_:
                zone = describe_zone(issue, lo, hi)
                who = f"lo: {z.text('lo_set_by')[k]}; hi: {z.text('hi_set_by')[k]}"
            else:
                zone = "closed"
                who = f"blocked by {z.text('blockers')[k]}"
            sr = z.text("settled_round")[k]
            nash = z.num("nash")[k]
            if sr:
                outcome = f"settled in round {sr}: {issue.describe(z.num('value')[k])}"
            elif open_ and math.isfinite(nash):
                outcome = f"Nash point {issue.describe(nash)}"
            else:
                outcome = ""
            rows.append([issue.label, zone, outcome, who, z.text("gaps")[k],
                         z.text("offers")[k]])
        opened = " open" if t in (1, run.T) else ""
        out.append(f"<details{opened}><summary>{esc(run.round_label(t))}</summary>"
                   f"{_table(header, rows)}</details>")
    out.append("</div>")
    return "\n".join(out)


def _sources(run: RunData) -> str:
    if run.loaded is None:
        return ('<p class="note">The scenario file was not found, so its sources cannot be '
                "listed.</p>")
    from .sources import parameter_sources

    rows = parameter_sources(run.loaded.scenario)
    facts = run.loaded.facts
    counts = {k: sum(r.status == k for r in rows) for k in ("cited", "assumption", "unsourced")}
    out = [f"<p>{len(rows)} numbers in the scenario file: {counts['cited']} cited, "
           f"{counts['assumption']} stated assumptions, {counts['unsourced']} unsourced. A "
           "citation names a fact of the fact base (its text follows); an assumption says "
           "why the number was chosen.</p>"]
    cells = []
    for r in rows:
        if r.status == "cited":
            where = "<br>".join(
                f"<b>{esc(f)}</b>: {esc(facts.get(f, '(fact text not found)'))}" for f in r.facts)
        elif r.status == "assumption":
            where = esc(r.assumption or "")
        else:
            where = "neither cited nor marked as an assumption"
        cells.append([r.dotted, r.value, f'<span class="{r.status}">{esc(r.status)}</span>',
                      where])
    out.append(_table(["parameter", "value", "status", "citation or assumption"], cells,
                      cls="paths", table_id="sources", raw=frozenset({2, 3})))
    return "\n".join(out)


def _meta(run: RunData) -> str:
    m = run.manifest
    scen = m.get("scenario") or {}
    items = [
        ("scenario file", scen.get("path") or "-"),
        ("scenario SHA-256", scen.get("sha256") or "-"),
        ("overrides", ", ".join(m.get("overrides") or []) or "none"),
        ("runs", f"{run.n:,} of {m.get('runs_requested', run.n):,} "
                 f"({m.get('status', 'unknown')})"),
        ("seed", m.get("seed", "-")),
        ("rounds", f"{run.T}" + (f", {run.round_label(1)} to {run.round_label(run.T)}"
                                 if any(run.dates) else "")),
        ("negsim", m.get("negsim_version", "-")),
        ("finished", m.get("finished", "-")),
        ("run directory", str(run.path)),
    ]
    return '<dl class="meta">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                                         for k, v in items) + "</dl>"


WHAT_IF_INTRO = (
    "The smallest moves of red lines that would open each closed zone, for the scenario at its "
    "means (negsim gap): only the red-line end of an acceptable set can move, away from the "
    "ideal and up to the stake's limit; a hard red line does not move at all. The total is "
    "the sum of the moves; where several points cost the same, the zone opens at the middle "
    "of them, which splits the moves between parties that could equally make them."
)


def _concessions(s: Scenario, t: int) -> str:
    """The minimal concessions at round ``t`` as a table (or a line saying all is open)."""
    from .concessions import minimal_concessions

    rows = []
    for c in minimal_concessions(s, t):
        issue = s.issues[c.issue]
        unit = f" {issue.unit}" if issue.unit else ""
        if c.opens and c.point is not None:
            what = (f"opens at {issue.describe(c.point)} with {c.total:g}{unit} of moves "
                    f"({c.total_share:.1%} of the scale)")
            moves = "; ".join(f"{m.party} {m.distance:g}{unit} ({m.share:.1%})" for m in c.moves)
        else:
            what = f"cannot open by soft red lines: {c.note}"
            moves = "; ".join(
                ([f"hard red lines in the way: {', '.join(c.hard_in_the_way)}"]
                 if c.hard_in_the_way else [])
                + ([f"ideals that cross: {', '.join(c.crossing_ideals)}"]
                   if c.crossing_ideals else []))
        rows.append([issue.label, ", ".join(c.blockers) or "-", what, moves or "-"])
    if not rows:
        return "<p>Every zone is open: nothing needs to move.</p>"
    return _table(["issue", "blocked by", "what would open it", "who moves, how far"], rows,
                  table_id=f"gap-{t}")


def _tipping(results: Sequence[TipResult]) -> str:
    rows = []
    for r in results:
        rows.append([r.headline, f"{r.label} in [{r.fmt(r.lo)}, {r.fmt(r.hi)}]", r.verdict(),
                     r.band_text(),
                     f"{r.runs:,} runs, seed {r.seed}" if r.runs is not None else "at the means"])
    return ("<p>Where an outcome flips as one parameter moves (negsim tip): bracketing and "
            "bisection with the same random numbers at every value. The band of a Monte Carlo "
            "target holds the values at which the level lies inside the Wilson 95% interval of "
            "the estimated probability.</p>"
            + _table(["target", "varied", "result", "95% band", "evaluated with"], rows,
                     table_id="tipping"))


def _sensitivity(result: Sensitivity, dpi: float) -> str:
    from .sensitivity import tornado

    ix = result.indices["deal"]
    if result.method == "morris":
        header = ["rank", "input", "distribution", "range", "mu*", "+-95%", "sigma"]
        names = ["mu_star", "mu_star_conf", "sigma"]
        how = ("Morris screening: mu* is the mean absolute elementary effect, the change in "
               "P(deal) per whole range of the input; sigma, the spread of those effects, "
               "flags interactions.")
    else:
        header = ["rank", "input", "distribution", "range", "S1", "+-95%", "ST", "+-95%"]
        names = ["S1", "S1_conf", "ST", "ST_conf"]
        how = ("Sobol indices: S1 is the share of the variance of P(deal) due to the input "
               "alone, ST with its interactions.")
    rows = [[str(k), result.inputs[j].label, result.inputs[j].current,
             result.inputs[j].range_text(), *(f"{float(ix[n][j]):.3f}" for n in names)]
            for k, j in enumerate(result.ranking("deal"), start=1)]
    uri = data_uri(png_bytes(tornado(result), dpi))
    return "\n".join([
        f"<p>{esc(result.heading())}. Every uncertain input is fixed at each sampled value and "
        f"the rest drawn as usual with one seed (common random numbers). {esc(how)}</p>",
        _table(header, rows, numeric=frozenset(range(4, len(header))), table_id="sensitivity"),
        f'<figure id="fig-tornado"><img src="{uri}" alt="Sensitivity of P(deal)">'
        "<figcaption>The uncertain inputs ranked by their influence on P(deal by the "
        "deadline), most influential on top; each label gives the range sampled.</figcaption>"
        "</figure>",
    ])


def what_if_html(run: RunData, dpi: float = 100,
                 sensitivity: Sensitivity | bool | None = None,
                 tipping: Sequence[TipResult] = ()) -> str:
    """The "What would it take" section: minimal concessions at round 1 and at the deadline,
    then the tipping points given, then the sensitivity ranking (computed here, with the
    default fast Morris screening, when ``sensitivity`` is True)."""
    if run.loaded is None:
        return ('<p class="note">The scenario file was not found, so what it would take cannot '
                "be computed.</p>")
    s = run.loaded.scenario
    out = [f"<p>{esc(WHAT_IF_INTRO)}</p>"]
    for t in ladder_rounds(s.rounds):
        which = "the deadline" if t == s.rounds else "round 1"
        out.append(f"<h3>Minimal concessions at {esc(which)}: {esc(s.round_label(t))}</h3>")
        out.append(_concessions(s, t))
    if tipping:
        out.append("<h3>Tipping points</h3>")
        out.append(_tipping(tipping))
    if sensitivity is True:
        from .sensitivity import SALibMissing, run_sensitivity

        try:
            sensitivity = run_sensitivity(run.loaded)
        except SALibMissing as exc:
            out.append(f'<p class="note">{esc(exc)}</p>')
            sensitivity = None
    if sensitivity is not None and sensitivity is not False:
        out.append("<h3>Which uncertain inputs matter</h3>")
        out.append(_sensitivity(sensitivity, dpi))
    return "\n".join(out)


def report_html(run: RunData, dpi: float = 100, *, what_if: bool = True,
                sensitivity: Sensitivity | bool | None = None,
                tipping: Sequence[TipResult] = ()) -> str:
    """The report as one HTML document (figures embedded). ``what_if`` adds the "What would
    it take" section (minimal concessions; cheap); ``sensitivity`` (a result, or True to
    compute the default Morris screening) and ``tipping`` add to it."""
    s = run.loaded.scenario if run.loaded else None
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(run.title)}: negsim report</title>", f"<style>{CSS}</style>",
             "</head><body>", f"<h1>{esc(run.title)}</h1>"]
    if s is not None and s.description:
        parts.append(f'<p class="lead">{esc(s.description)}</p>')
    if s is not None and s.as_of:
        parts.append(f'<p class="lead">Facts as of {esc(s.as_of.isoformat())}.</p>')
    for note in run.notes:
        parts.append(f'<p class="note">{esc(note)}</p>')
    if run.partial:
        parts.append('<p class="note">This run was interrupted: the figures use the runs that '
                     "finished.</p>")
    sections = [("run", "The run"), ("summary", "Summary"),
                *((f"fig-{k}", TITLES[k]) for k in KINDS),
                ("zones", "Zone table at the means"),
                *([("what-if", "What would it take")] if what_if else []),
                ("sources", "Sources and assumptions")]
    parts.append("<nav><ol>" + "".join(f'<li><a href="#{a}">{esc(t)}</a></li>'
                                       for a, t in sections) + "</ol></nav>")
    parts.append('<h2 id="run">The run</h2>')
    parts.append(_meta(run))
    parts.append('<h2 id="summary">Summary</h2>')
    parts.append(_summary(run))
    parts.append('<h2 id="figures">Figures</h2>')
    for kind in KINDS:
        parts.append(f"<h3>{esc(TITLES[kind])}</h3>")
        parts.append(_figure(kind, run, dpi))
    parts.append('<h2 id="zones">Zone table at the means</h2>')
    parts.append(_zone_table(run))
    if what_if:
        parts.append('<h2 id="what-if">What would it take</h2>')
        parts.append(what_if_html(run, dpi, sensitivity, tipping))
    parts.append('<h2 id="sources">Sources and assumptions</h2>')
    parts.append(_sources(run))
    parts.append('<p style="color:#777;font-size:0.85em">Made by negsim '
                 f"{esc(run.manifest.get('negsim_version', ''))}. The animated zone ladder: "
                 f"<code>negsim plot {esc(run.path)} --kind animation</code>.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(run_dir: str | Path, out_path: str | Path | None = None, *,
                 run: RunData | None = None, dpi: float = 100, what_if: bool = True,
                 sensitivity: Sensitivity | bool | None = None,
                 tipping: Sequence[TipResult] = ()) -> Path:
    """Write the report of ``run_dir`` to ``out_path`` (default ``run_dir/report.html``)
    atomically; returns the path written. Raises :class:`~sim.plot.RunDirError` if
    ``run_dir`` is not a run directory. ``what_if``, ``sensitivity`` and ``tipping``: as for
    :func:`report_html` (by default the what-if section holds the minimal concessions only,
    so the report stays fast)."""
    run = run or RunData.load(run_dir)
    out = Path(out_path) if out_path is not None else Path(run_dir) / "report.html"
    write_atomic(out, report_html(run, dpi, what_if=what_if, sensitivity=sensitivity,
                                  tipping=tipping))
    return out
