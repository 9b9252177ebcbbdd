"""Weekly RAG deterioration and open alerts in the "who needs help now" list."""

import pytest

from nextsteps.analysis import help as needs_help
from nextsteps.schools.models import Pupil

from .conftest import rate, sweep

pytestmark = pytest.mark.django_db


def reasons(user, school):
    pupils = Pupil.objects.visible_to(user).current_at(school)
    return {e.pupil.pk: e.reasons for e in needs_help.who_needs_help(user, school, pupils)}


def test_deterioration_shows_before_it_is_long_enough_for_an_alert(hub):
    rate(hub.priya, hub.engagement, "GGAR")  # two weeks: a signal, not yet an alert
    rate(hub.tomasz, hub.engagement, "GGGA")  # one week: neither
    found = reasons(hub.ap_head, hub.hub)
    rag = [r for r in found.get(hub.priya.pk, []) if r.kind == "weekly_deterioration"]
    assert [r.text for r in rag] == [
        "Weekly review: Engagement deteriorating for 2 weeks (Green → Amber → Red)."
    ]
    assert not [r for r in found.get(hub.tomasz.pk, []) if r.kind == "weekly_deterioration"]


def test_open_alerts_are_a_reason_until_closed(hub):
    from nextsteps.alerts import services
    from nextsteps.alerts.models import Alert

    rate(hub.priya, hub.engagement, "GAAAR")
    sweep(hub.hub, send=False)
    found = reasons(hub.ap_head, hub.hub)
    kinds = [r.kind for r in found[hub.priya.pk]]
    assert "open_alert" in kinds and "weekly_deterioration" in kinds
    text = next(r.text for r in found[hub.priya.pk] if r.kind == "open_alert")
    assert "Weekly progress deteriorating, Engagement: deteriorating for 4 weeks" in text
    services.close_alert(
        Alert.objects.get(), outcome="Plan agreed", expected_version=1, by=hub.ap_head
    )
    kinds = [r.kind for r in reasons(hub.ap_head, hub.hub)[hub.priya.pk]]
    assert "open_alert" not in kinds


def test_each_signal_is_registered_once():
    names = [s.__name__ for s in needs_help.SIGNALS]
    assert names.count("weekly_deterioration") == 1 and names.count("open_alerts") == 1
