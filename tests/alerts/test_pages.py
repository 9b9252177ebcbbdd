"""The alerts pages beyond the permission matrix: what each person's list shows, the list's
queries not growing with its rows, closing over someone else's close, and the rules page
read-only for class staff."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.alerts import services
from nextsteps.alerts.models import Alert
from tests.matrix.alerts import example_alerts

from .conftest import rate, sweep

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_each_list_shows_only_what_its_reader_may_see(cast, login):
    example_alerts(cast)
    teacher = body(login(cast.teacher).get(reverse("alerts:index")))
    assert "Amara Okonkwo-Test" in teacher and "Hollowaygate" not in teacher
    assert "New to you" in teacher
    provider = body(login(cast.provider).get(reverse("alerts:index")))
    assert "Priya Hollowaygate" in provider and "Okonkwo" not in provider
    other = body(login(cast.other_teacher).get(reverse("alerts:index")))
    assert "No alerts to show." in other


def test_the_list_reads_the_same_queries_however_many_alerts(hub, login):
    cast = hub
    rate(cast.priya, cast.engagement, "GAAAR")
    sweep(cast.hub, send=False)
    client = login(cast.ap_head)
    client.get(reverse("alerts:index"))
    with CaptureQueriesContext(connection) as few:
        body(client.get(reverse("alerts:index")))
    rate(cast.tomasz, cast.engagement, "GAAAAR")
    rate(cast.priya, cast.numeracy, "GAAAR")
    rate(cast.tomasz, cast.numeracy, "GAAAR")
    sweep(cast.hub, send=False)
    assert Alert.objects.count() == 4
    with CaptureQueriesContext(connection) as many:
        page = body(client.get(reverse("alerts:index")))
    assert page.count("Weekly progress deteriorating:") == 4
    assert len(many) == len(few)


def test_closing_over_someone_elses_close_shows_theirs_and_keeps_mine(cast, login):
    alert = example_alerts(cast)["amara_alert"]
    services.close_alert(alert, outcome="Sorted at the meeting", expected_version=1, by=cast.head)
    page = body(
        login(cast.senco).post(
            reverse("alerts:close", args=[alert.pk]), {"version": 1, "outcome": "Mine"}
        )
    )
    assert "Sorted at the meeting" in page and "Someone else changed this alert" in page
    assert 'what you wrote: "Mine"' in page
    alert.refresh_from_db()
    assert alert.outcome == "Sorted at the meeting"


def test_class_staff_read_the_rules_but_only_senior_staff_change_them(cast, login):
    page = body(login(cast.teacher).get(reverse("alerts:rules")))
    assert "Save the rules" not in page and "Weekly progress deteriorating" in page
    refused = login(cast.teacher).post(
        reverse("alerts:rules"), {"school": cast.school.pk, "version": 0}
    )
    assert refused.status_code == 403
    assert body(login(cast.leader).get(reverse("alerts:rules"))).count("<fieldset") == 4
