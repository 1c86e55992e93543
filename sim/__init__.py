"""negsim: where could these parties agree, and what would it take?

Read top-down, the package follows the data: scenario models (``distributions``, ``issue``,
``party``, ``pressure``, ``scenario``) -> ``loading`` -> ``engine`` with its ``tactics`` and
``zone`` computations -> ``results`` -> views (``report``, ``rundir``) -> ``cli``.
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
