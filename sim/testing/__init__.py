"""Tools for testing scenarios and tactics: hypothesis strategies that build valid scenarios.

>>> from hypothesis import given
>>> from sim.testing import strategies as sims
>>> @given(sims.scenarios(max_parties=3))
... def test_my_tactic(scenario): ...

Everything here needs ``hypothesis`` (a development dependency); the simulator itself never
imports this package.
"""

from __future__ import annotations

__all__ = ["strategies"]
