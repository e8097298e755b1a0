"""Hypothesis profiles. CI runs the property tests derandomized, so a run is reproducible and a
red build always means a code change; developers run them randomized (the default) to keep
finding new cases, and ``HYPOTHESIS_PROFILE=soak`` runs many more examples."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile(
    "soak", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "default")
)

# The examples and the fixtures are dated November 2026; pin the first report date so the
# partition set holds them whatever day the suite runs (the default is 13 weeks before today).
os.environ.setdefault("TELEMETRY_FIRST_REPORT_DATE", "2026-01-01")
