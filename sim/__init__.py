"""negsim: where could these parties agree, and what would it take?

Read top-down, the package follows the data:

- scenario models: ``distributions``, ``issue``, ``party``, ``pressure``, ``scenario``;
- reading them: ``yamlio`` (safe YAML with positions), ``loading`` (extends, --set, errors),
  ``facts`` and ``sources`` (the fact base and citations);
- the engine: ``arrays`` (the scenario as arrays, draws), ``random_`` (common random numbers),
  ``engine`` (rounds), ``tactics/``, ``zone`` (zones, blockers, gaps, Nash point);
- many runs: ``montecarlo``, ``results`` (streaming aggregates), ``sweep``;
- views: ``report`` (tables), ``rundir`` (files), ``plot``, ``compare``, ``html_report``;
- what would it take: ``concessions``, ``tipping``, ``sensitivity``;
- teaching: ``brief``, ``play``, ``debrief``;
- the command line: ``cli`` and its ``cli_*`` modules; ``testing`` holds the public
  hypothesis strategies.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .engine import Negotiation, RoundReport  # noqa: E402
from .loading import Loaded, dump_scenario, load_scenario, load_scenario_text  # noqa: E402
from .montecarlo import simulate  # noqa: E402
from .scenario import Scenario  # noqa: E402

__all__ = [
    "Loaded",
    "Negotiation",
    "RoundReport",
    "Scenario",
    "__version__",
    "dump_scenario",
    "load_scenario",
    "load_scenario_text",
    "simulate",
]
