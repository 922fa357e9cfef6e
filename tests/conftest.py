"""Shared test settings: the Hypothesis profiles the property tests run under.

``HYPOTHESIS_PROFILE=thorough pytest`` runs every property test ten times longer; the default
(``ci``) has no per-example deadline, since a shared 2-core CI machine makes example timings
noisy, and keeps no example database, so a run depends on nothing but its code and seed.
Tests that set their own ``@settings`` keep them.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
