"""The demo's alerts stage on the cast's trust: the sweep's alerts, open and closed ones with an
outcome, and no e-mail left to send."""

import pytest
from django.utils import timezone

from nextsteps.alerts.models import Alert, Notice
from nextsteps.demo import alerts as demo_alerts

from .conftest import only, rate

pytestmark = pytest.mark.django_db


def test_the_demo_raises_alerts_and_closes_some_with_an_outcome(hub):
    only(hub.school, "rag_deteriorating")  # nothing recorded at Oakfield: quiet everywhere
    for pupil in (hub.priya, hub.tomasz):
        rate(pupil, hub.engagement, "GGAAAR")
        rate(pupil, hub.numeracy, "GAAAAA")
    counts = demo_alerts.build(hub.trust, seed=7, today=timezone.localdate())
    assert counts.raised["rag_deteriorating"] == 4 == Alert.objects.count()
    closed = Alert.objects.filter(closed_at__isnull=False)
    assert counts.closed == closed.count() == 1
    alert = closed.get()
    assert alert.outcome in demo_alerts.OUTCOMES["rag_deteriorating"]
    assert alert.opened_at < alert.closed_at < timezone.now()
    assert alert.closed_by == alert.plan.owner
    assert not Notice.objects.filter(channel="email").exclude(status="cancelled").exists()
    assert counts.line().startswith("alerts: 4 raised (4 weekly progress deteriorating), 1 closed")
    assert demo_alerts.Counts().line() == "alerts: none raised"
