"""`nextsteps bench analysis` on a tiny trust: the data is built, the figures agree with their
floors (run checks that) and each comes back as a positive figure with its baseline. Never
timing."""

import pytest

from nextsteps.demo import benchmarks

pytestmark = pytest.mark.django_db


def test_bench_analysis_on_a_tiny_trust():
    module = benchmarks.load("analysis")
    options = {"schools": 2, "pupils_per_school": 8, "seed": 1}
    figures = module.run(1, options=options)
    assert set(figures) == {
        "analysis_school_attainment",
        "analysis_trust_attainment",
        "analysis_transition",
        "analysis_help",
    }
    for fig in figures.values():
        assert set(fig) == {"value", "unit", "baseline", "ratio"}
        assert fig["unit"] == "ms" and fig["value"] > 0 and fig["baseline"] > 0
    # kept: a second run adds nothing
    from nextsteps.assessment.models import SummaryJudgement

    rows = SummaryJudgement.objects.count()
    assert rows == 2 * 8 * 9
    module.run(1, options=options)
    assert SummaryJudgement.objects.count() == rows
