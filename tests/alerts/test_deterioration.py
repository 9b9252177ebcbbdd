"""Weekly progress deteriorating, end to end through the sweep: hand-made histories at the
cast's learning hub (exactly three weeks, four, a week missing, a long gap, recovery), who is
told, and nothing raised or sent twice across repeated runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from nextsteps.alerts import services
from nextsteps.alerts.models import Alert, Notice
from nextsteps.reviews.models import WeeklyRating

from .conftest import only, rate, sweep, this_monday

pytestmark = pytest.mark.django_db
WEEK = timedelta(weeks=1)


def test_exactly_three_weeks_raise_nothing(hub):
    rate(hub.priya, hub.engagement, "GGAAA")
    record = sweep(hub.hub)
    assert record.raised == 0 and not Alert.objects.exists()


def test_four_weeks_raise_one_alert_with_its_evidence_and_tell_the_provider(hub, smtp_server):
    rate(hub.priya, hub.engagement, "GGAAAR")
    rate(hub.priya, hub.numeracy, "GGGGGG")
    record = sweep(hub.hub)
    assert record.raised == 1 and record.found["rag_deteriorating"] == 1
    alert = Alert.objects.get()
    assert (alert.school, alert.pupil, alert.rule) == (hub.hub, hub.priya, "rag_deteriorating")
    assert alert.condition == f"rag_deteriorating:area:{hub.engagement.pk}"
    assert alert.episode == f"from:{(this_monday() - 4 * WEEK).isoformat()}"
    assert alert.summary == ("Engagement: deteriorating for 4 weeks (Green → Amber ×3 → Red)")
    assert alert.lines[-1] == (
        "4 weeks of deterioration in Engagement: more than the 3 the school allows."
    )
    assert [r["rating"] for r in alert.evidence["data"]["ratings"]] == list("GAAAR")
    told = {(n.channel, n.recipient, n.why) for n in alert.notices.all()}
    assert told >= {
        ("in_app", f"user:{hub.provider.pk}", "Placing provider (Northgate Academy)"),
        ("email", "office@northgate.example", "Placing provider (Northgate Academy)"),
        ("email", "senco@northgate.example", "Placing provider (Northgate Academy)"),
    }
    assert not any(n.user == hub.other_provider for n in alert.notices.all())
    assert record.emails_sent == 2
    assert sorted(m["X-Envelope-To"] for m in smtp_server.messages) == [
        "office@northgate.example",
        "senco@northgate.example",
    ]
    message = smtp_server.to("office@northgate.example")[0]
    assert "Priya Hollowaygate" in message["Subject"]
    body = smtp_server.body(message)
    assert "Red in the week of" in body and "Placing provider (Northgate Academy)" in body


def test_an_action_plan_is_opened_with_an_owner_and_a_review_date(hub):
    rate(hub.priya, hub.engagement, "GAAAR")
    sweep(hub.hub, send=False)
    alert = Alert.objects.select_related("plan").get()
    plan = alert.plan
    # the hub has no inclusion manager: its head owns the plan, and is told so
    assert (plan.kind, plan.owner, plan.pupil, plan.school) == (
        "action_plan",
        hub.ap_head,
        hub.priya,
        hub.hub,
    )
    assert plan.review_date == timezone.localdate() + timedelta(days=14)
    assert plan.opened_by is None and plan.status == "open"
    assert plan.title.startswith("Action plan: weekly progress deteriorating, Engagement")
    assert "Red in the week of" in plan.reason
    assert alert.notices.filter(
        user=hub.ap_head, channel="in_app", why="Owns the action plan"
    ).exists()
    # the owner closes the alert; the plan carries on under the support pages
    services.close_alert(alert, outcome="Plan agreed", expected_version=1, by=hub.ap_head)
    plan.refresh_from_db()
    assert plan.status == "open"


def test_a_school_without_the_owners_role_gets_the_alert_and_a_note(hub):
    from nextsteps.schools.models import Role

    Role.objects.filter(school=hub.hub).delete()
    rate(hub.priya, hub.engagement, "GAAAR")
    sweep(hub.hub, send=False)
    alert = Alert.objects.get()
    assert alert.plan is None and "No action plan was opened" in alert.plan_note
    assert alert.notices.filter(user=hub.provider).exists()


def test_repeated_runs_raise_and_send_nothing_twice(hub, smtp_server):
    rate(hub.priya, hub.engagement, "GAAAAR")
    first = sweep(hub.hub)
    assert first.raised == 1 and first.emails_sent == 2
    for _ in range(3):
        again = sweep(hub.hub)
        assert again.raised == 0 and again.emails_sent == 0
        assert again.found["rag_deteriorating"] == 1  # still holding, still one alert
    only(hub.school, "rag_deteriorating")
    sweep()  # every school: the same
    assert Alert.objects.count() == 1
    assert Notice.objects.filter(channel="email").count() == 2
    assert len(smtp_server.messages) == 2


@pytest.mark.parametrize(
    "history, raised",
    [
        ("GAA-AR", 1),  # a week missing is skipped: four rated weeks
        ("GAA--AR", 1),  # two missing: still skipped
        ("GAA---AR", 0),  # three missing break the run: Amber to Red after it is one week
        ("GAAARG", 0),  # recovered before the sweep saw it
        ("AAAAAA", 0),  # Amber all along: no fall
        ("GAAAR--", 1),  # the last two weeks not rated yet: the run is still current
        ("GAAAR---", 0),  # three weeks without a rating: no longer current
    ],
)
def test_gaps_and_recovery(hub, history, raised):
    rate(hub.priya, hub.engagement, history)
    assert sweep(hub.hub).raised == raised


def test_a_school_tunes_the_rule(hub):
    rate(hub.priya, hub.engagement, "GAAA")
    rate(hub.tomasz, hub.engagement, "GAA---A")
    assert sweep(hub.hub).raised == 0
    settings = services.settings_for(hub.hub)
    settings["rag_deteriorating"].update(weeks=2, max_gap_weeks=3)
    services.save_settings(hub.hub, settings, None, by=hub.ap_head)
    assert sweep(hub.hub).raised == 2
    settings["rag_deteriorating"]["enabled"] = False
    services.save_settings(hub.hub, settings, None, by=hub.ap_head)
    rate(hub.priya, hub.numeracy, "GAAAAA")
    assert sweep(hub.hub).raised == 0


def test_recovery_marks_the_alert_cleared_but_leaves_it_open(hub):
    rate(hub.priya, hub.engagement, "GAAAR")
    sweep(hub.hub, send=False)
    alert = Alert.objects.get()
    assert alert.cleared_at is None
    WeeklyRating.objects.filter(
        week=this_monday().fromordinal(this_monday().toordinal() - 7)
    ).update(rating="G")  # last week turned out Green after all
    sweep(hub.hub, send=False)
    alert.refresh_from_db()
    assert alert.cleared_at is not None and alert.is_open
    # falling again while the old alert is open raises nothing more, and unclears it
    rate(
        hub.priya,
        hub.engagement,
        "AAAA",
        last=this_monday().fromordinal(this_monday().toordinal() + 28),
    )
    assert (
        sweep(
            hub.hub, send=False, today=this_monday().fromordinal(this_monday().toordinal() + 28)
        ).raised
        == 0
    )
    alert.refresh_from_db()
    assert alert.cleared_at is None and Alert.objects.count() == 1


def test_one_run_is_one_alert_even_after_it_is_closed(hub):
    rate(hub.priya, hub.engagement, "GAAAR")
    sweep(hub.hub, send=False)
    alert = Alert.objects.get()
    services.close_alert(
        alert, outcome="Plan agreed with Northgate", expected_version=1, by=hub.ap_head
    )
    assert sweep(hub.hub, send=False).raised == 0  # the same run, still going: nothing new


def test_a_new_run_after_recovery_raises_a_new_alert_once_the_old_is_closed(hub):
    start = this_monday()
    rate(hub.priya, hub.engagement, "GAAARG", last=start)
    later = start + 5 * WEEK
    rate(hub.priya, hub.engagement, "AAAAR", last=later)  # falls again from the Green
    old = Alert.objects.create(
        school=hub.hub,
        pupil=hub.priya,
        rule="rag_deteriorating",
        condition=f"rag_deteriorating:area:{hub.engagement.pk}",
        episode="from:2000-01-03",
        summary="an earlier run",
        opened_at=timezone.now(),
    )
    assert sweep(hub.hub, send=False, today=later).raised == 0  # the old one is open
    services.close_alert(old, outcome="Recovered", expected_version=1, by=hub.ap_head)
    assert sweep(hub.hub, send=False, today=later).raised == 1
    new = Alert.objects.exclude(pk=old.pk).get()
    assert new.episode != old.episode and new.summary.startswith("Engagement: deteriorating for 5")


def test_a_student_with_no_placement_is_the_schools_concern(hub):
    hub.tomasz.placements.update(end_date=this_monday() - 9 * WEEK)
    rate(hub.tomasz, hub.engagement, "GAAAR")
    sweep(hub.hub, send=False)
    alert = Alert.objects.get(pupil=hub.tomasz)
    # the class teacher and the inclusion manager would be told instead; the hub has neither,
    # and no provider is told at all
    assert not alert.notices.filter(user__in=[hub.provider, hub.other_provider]).exists()
    assert not alert.notices.filter(channel="email").exists()


def test_only_pupils_on_roll_now_are_swept(hub):
    rate(hub.priya, hub.engagement, "GAAAR")
    hub.priya.enrolments.update(end_date=this_monday() - timedelta(days=3))
    assert sweep(hub.hub, send=False).raised == 0
