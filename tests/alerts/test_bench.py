"""`nextsteps bench alerts` on a tiny set: the data is built and kept, the sweep finds exactly
the planted students that should fire (run checks that and raises otherwise), and the figures
come back in the harness's shape. Never timing."""

import pytest

from nextsteps.demo import benchmarks

pytestmark = pytest.mark.django_db


def test_bench_alerts_on_a_tiny_set():
    from nextsteps.alerts.models import Alert
    from nextsteps.reviews.models import WeeklyRating

    module = benchmarks.load("alerts")
    options = {"students": 60, "seed": 3}
    figures = module.run(1, options=options)
    assert set(figures) == {"alerts_sweep", "alerts_run"}
    for fig in figures.values():
        assert set(fig) == {"value", "unit", "baseline", "ratio"}
        assert fig["unit"] == "ms" and fig["value"] > 0 and fig["baseline"] > 0
    planted = Alert.objects.filter(pupil__legal_last_name="Planted")
    assert set(planted.values_list("pupil__legal_first_name", flat=True)) == {
        "Fourweeks",
        "Weekmissing",
    }
    # kept: a second run builds nothing and raises nothing
    rows, alerts = WeeklyRating.objects.count(), Alert.objects.count()
    assert rows > 60 * 5 * 30
    module.run(1, options=options)
    assert (WeeklyRating.objects.count(), Alert.objects.count()) == (rows, alerts)
    with pytest.raises(RuntimeError, match="run with --rebuild"):
        module.run(1, options={"students": 61})
