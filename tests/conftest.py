"""Hypothesis profiles: ``ci`` (the default: deterministic and quick), ``dev`` and ``thorough``.

Pick one with the ``HYPOTHESIS_PROFILE`` environment variable::

    HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_properties.py
"""

from __future__ import annotations

import contextlib
import os
import warnings

from hypothesis import HealthCheck, Phase, settings

# On a failure, hypothesis's pytest plugin imports libcst to suggest a patch; libcst imports
# a deprecated mypy_extensions name, and pytest turns DeprecationWarning into an error, which
# would hide the failure behind an INTERNALERROR. Import it once here, quietly.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import libcst  # noqa: F401

# Scenario generation and a few simulated rounds take tens of milliseconds per example.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci",
    derandomize=True,  # the same examples on every run and every machine
    database=None,
    max_examples=50,
    # No shrinking: shrinking a whole scenario can take hypothesis's full five minutes per
    # failing test. A failure prints its reproduce blob; rerun it under "dev" to shrink it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=500,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
