"""Demo data: one realistic, deterministic generator for `nextsteps demo`, tests and benchmarks.

from nextsteps.demo import build
summary = build(seed=7, schools=1, pupils_per_school=35, years=1)
"""

from .generator import DEFAULT_SEED, DEMO_PASSWORD, DemoSummary, Login, build, logins

__all__ = ["DEFAULT_SEED", "DEMO_PASSWORD", "DemoSummary", "Login", "build", "logins"]
