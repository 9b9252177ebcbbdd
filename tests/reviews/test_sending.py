"""The weekly update to each provider, sent through a real SMTP server (tests/smtp.py): each
provider gets one email per address with only its own students; running again sends nothing;
a run interrupted after claiming, or after sending but before recording, never sends twice;
a refused send is recorded and tried again later."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from nextsteps.reviews import sending, updates
from nextsteps.reviews.models import ProviderUpdate, UpdateDelivery
from nextsteps.schools import services as schools
from tests.smtp import free_port

from .conftest import at, rate

pytestmark = pytest.mark.django_db
S = UpdateDelivery.Status


@pytest.fixture
def rated(cast, hub):
    """Both students rated this week and last; Northgate has an office address too."""
    schools.update_provider(cast.north, email="office@northgate.example")
    literacy, numeracy, engagement = hub.areas[:3]
    for week, (priya, tomasz) in ((hub.last_week, ("G", "A")), (hub.week, ("A", "G"))):
        rate(cast.priya, literacy, week, priya, by=hub.teacher, comment=f"Priya {week}")
        rate(cast.tomasz, literacy, week, tomasz, by=hub.teacher)
    rate(cast.priya, engagement, hub.week, "R", by=hub.ta, comment="Left two lessons early")
    rate(cast.tomasz, numeracy, hub.week, "G", by=hub.ta)
    return hub


def friday(hub, hour=16):
    """This week's Friday afternoon: the update is due (Friday 15:00 by default)."""
    return at(hub.week + timedelta(days=4), hour)


def to(mailbox, address):
    """Messages to exactly this address (Mailbox.to matches any address containing it)."""
    return [m for m in mailbox.messages if m["X-Envelope-To"] == address]


def bodies(mailbox, message):
    html = message.get_body(preferencelist=("html",)).get_content()
    return mailbox.body(message), html


def test_each_provider_gets_only_its_own_students_once(cast, rated, smtp_server):
    report = sending.run(now=friday(rated))
    assert (report.made, report.sent, report.failed, report.uncertain) == (2, 3, 0, 0)
    addresses = sorted(m["X-Envelope-To"] for m in smtp_server.messages)
    assert addresses == [
        "office@northgate.example",
        "other_provider@example.org",
        "provider@example.org",
    ]
    for address in ("office@northgate.example", "provider@example.org"):
        (message,) = to(smtp_server, address)
        text, html = bodies(smtp_server, message)
        for body in (text, html):
            assert "Priya Hollowaygate" in body and "Left two lessons early" in body
            assert "Tomasz" not in body and "Wrenfield" not in body
        assert "Engagement: Red (last week: not rated)" in text
        assert "Progress in literacy: Amber (last week: Green; worse than last week)" in text
        assert "Down from Green to Amber over 2 weeks" in text
        assert message["Subject"].startswith("Weekly update from Riverside Learning Hub")
        delivery = UpdateDelivery.objects.get(address=address)
        assert message["Message-ID"] == delivery.message_id
        assert delivery.status == S.SENT and delivery.sent_at and delivery.attempts == 1
    (message,) = to(smtp_server, "other_provider@example.org")
    text, html = bodies(smtp_server, message)
    assert "Tomasz Wrenfield" in text and "Tomasz Wrenfield" in html
    assert "Priya" not in text and "Hollowaygate" not in html

    again = sending.run(now=friday(rated) + timedelta(hours=1))
    assert (again.made, again.sent) == (0, 0)
    assert len(smtp_server.messages) == 3
    assert ProviderUpdate.objects.count() == 2


def test_the_update_is_frozen_when_made(cast, rated, smtp_server):
    sending.run(now=friday(rated))
    rate(cast.priya, rated.areas[0], rated.week, "G", by=rated.teacher, comment="Changed later")
    update = ProviderUpdate.objects.get(provider=cast.north)
    assert "Changed later" not in update.body_text
    assert update.summary["students"][0]["ratings"][0]["this"] == "A"
    sending.run(now=friday(rated, 18))
    assert len(smtp_server.messages) == 3


def test_nothing_is_made_before_it_is_due_or_in_a_week_without_ratings(cast, rated, smtp_server):
    thursday = at(rated.week + timedelta(days=3), 16)
    report = sending.run(now=thursday, week=rated.week)
    assert report.made == 0 and "not due until Friday" in report.line()
    # on Thursday the week due is last week, which has ratings: its updates go
    last = sending.run(now=thursday)
    assert last.made == 2
    assert set(ProviderUpdate.objects.values_list("week", flat=True)) == {rated.last_week}
    # the week before had no ratings at all (a holiday): asked for by name, nothing is made
    holiday = sending.run(now=thursday, week=rated.last_week - timedelta(days=7))
    assert holiday.made == 0 and "no ratings recorded that week" in holiday.line()
    # a school that chose Monday 09:00 has this week's due already on Thursday
    cast.hub.settings = {"reviews": {"update_day": "monday", "update_time": "09:00"}}
    cast.hub.save()
    assert sending.run(now=thursday).made == 2
    assert ProviderUpdate.objects.filter(week=rated.week).count() == 2


def test_a_school_that_does_not_email_shows_the_update_only_in_nextsteps(cast, rated, smtp_server):
    cast.hub.settings = {"reviews": {"email_updates": False}}
    cast.hub.save()
    report = sending.run(now=friday(rated))
    assert report.made == 2 and report.sent == 0
    assert not UpdateDelivery.objects.exists() and not smtp_server.messages


def test_a_bad_setting_falls_back_to_friday_and_says_so(cast, rated):
    cast.hub.settings = {"reviews": {"update_day": "fri"}}
    plan = updates.schedule(cast.hub)
    assert (plan.weekday, plan.at.hour) == (4, 15)
    assert "update day must be one of" in plan.problem


def test_a_run_that_died_after_claiming_never_sends_that_email(cast, rated, smtp_server):
    updates.make_due_updates(now=friday(rated))
    lost = UpdateDelivery.objects.get(address="provider@example.org")
    assert sending.claim(lost.pk, friday(rated))  # ... and the process was killed here
    assert not sending.claim(lost.pk, friday(rated))  # nobody else can take it

    report = sending.deliver(friday(rated) + timedelta(minutes=1))
    assert report.sent == 2 and not to(smtp_server, "provider@example.org")
    # after a quarter of an hour with no word, it is uncertain: shown to people, not resent
    later = sending.deliver(friday(rated) + sending.STALE_AFTER + timedelta(seconds=1))
    assert later.uncertain == 1 and later.sent == 0
    lost.refresh_from_db()
    assert lost.status == S.UNCERTAIN and "stopped before recording" in lost.error
    assert not to(smtp_server, "provider@example.org")

    # a leader checks with Northgate and sends it again, with the same Message-ID
    sending.send_again(lost, by=cast.ap_head)
    assert sending.deliver(friday(rated, 18)).sent == 1
    (message,) = to(smtp_server, "provider@example.org")
    assert message["Message-ID"] == lost.message_id
    assert len(smtp_server.messages) == 3


class ProcessDied(BaseException):
    """Stands in for the process being killed: nothing in the sender catches it."""


def test_a_run_that_died_between_sending_and_recording_never_sends_twice(
    cast, rated, smtp_server, monkeypatch
):
    updates.make_due_updates(now=friday(rated))
    real_record = sending._record

    def die_after_the_first_send(pk, status, **fields):
        if status == S.SENT:
            raise ProcessDied
        return real_record(pk, status, **fields)

    monkeypatch.setattr(sending, "_record", die_after_the_first_send)
    with pytest.raises(ProcessDied):
        sending.deliver(friday(rated))
    monkeypatch.setattr(sending, "_record", real_record)
    assert len(smtp_server.messages) == 1
    sent_to = smtp_server.messages[0]["X-Envelope-To"]
    stuck = UpdateDelivery.objects.get(address=sent_to)
    assert stuck.status == S.SENDING

    for minutes in (1, 20, 60):  # repeated runs, before and after the claim goes stale
        sending.run(now=friday(rated) + timedelta(minutes=minutes))
    assert len(to(smtp_server, sent_to)) == 1
    assert len(smtp_server.messages) == 3
    stuck.refresh_from_db()
    assert stuck.status == S.UNCERTAIN


def test_a_connection_lost_mid_send_is_uncertain_not_retried(cast, rated, smtp_server):
    """The server took the message but the answer never came back: whether it arrived is
    unknown, so the machine does not try again."""
    updates.make_due_updates(now=friday(rated))
    accept = smtp_server.handle_DATA

    async def take_it_then_hang_up(server, session, envelope):
        await accept(server, session, envelope)
        if "provider@example.org" in envelope.rcpt_tos:
            server.transport.close()
        return "250 Message accepted for delivery"

    smtp_server.handle_DATA = take_it_then_hang_up
    report = sending.deliver(friday(rated))
    assert report.uncertain == 1 and report.sent == 2
    delivery = UpdateDelivery.objects.get(address="provider@example.org")
    assert delivery.status == S.UNCERTAIN and "Unknown whether it was sent" in delivery.error
    sending.run(now=friday(rated) + timedelta(days=1))
    assert len(to(smtp_server, "provider@example.org")) == 1


def test_a_refused_send_is_recorded_and_retried_later(cast, rated, smtp_server):
    updates.make_due_updates(now=friday(rated))

    async def refuse_one(server, session, envelope, address, options):
        if address == "provider@example.org":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = refuse_one
    first = sending.deliver(friday(rated))
    assert (first.sent, first.failed) == (2, 1)
    refused = UpdateDelivery.objects.get(address="provider@example.org")
    assert refused.status == S.FAILED and "Mailbox unavailable" in refused.error
    assert refused.retry_at == friday(rated) + sending.FIRST_PAUSE

    del smtp_server.handle_RCPT
    assert sending.deliver(friday(rated) + timedelta(minutes=1)).sent == 0  # not yet
    assert sending.deliver(friday(rated) + timedelta(minutes=6)).sent == 1
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.error) == (S.SENT, 2, "")
    assert len(to(smtp_server, "provider@example.org")) == 1


def test_an_unreachable_server_stops_the_run_and_gives_up_in_the_end(
    cast, rated, settings, smtp_server
):
    updates.make_due_updates(now=friday(rated))
    settings.EMAIL_PORT = free_port()  # nothing listens there
    report = sending.deliver(friday(rated))
    assert report.failed == 1 and "could not be reached" in report.line()
    assert UpdateDelivery.objects.filter(status=S.PENDING).count() == 2  # untouched, next run

    first = UpdateDelivery.objects.get(status=S.FAILED)
    UpdateDelivery.objects.filter(pk=first.pk).update(attempts=sending.MAX_ATTEMPTS - 1)
    sending.deliver(first.retry_at)
    first.refresh_from_db()
    assert first.status == S.GAVE_UP and first.retry_at is None
    assert sending.pause_after(1) == timedelta(minutes=5)
    assert sending.pause_after(20) == timedelta(days=1)


def test_the_command_and_the_worker_send_what_is_due(cast, rated, smtp_server, settings):
    due = updates.due_week(cast.hub)
    rate(cast.tomasz, rated.areas[4], due, "A", by=rated.teacher)  # whichever week is due
    call_command("reviews", "send-updates")
    assert set(ProviderUpdate.objects.values_list("week", flat=True)) == {due}
    sent = len(smtp_server.messages)
    assert sent == 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from nextsteps.reviews.tasks import send_updates

    result = send_updates.enqueue()
    assert result.return_value["sent"] == 0 and len(smtp_server.messages) == sent
    with pytest.raises(CommandError, match="not a Monday"):
        call_command("reviews", "send-updates", "--week", "2026-11-18")


def test_open_action_plans_go_with_the_update_and_reading_them_is_logged(
    cast, rated, smtp_server, client
):
    from nextsteps.audit.models import AuditEvent
    from nextsteps.support.models import PlanTarget
    from nextsteps.support.services import open_action_plan

    plan = open_action_plan(
        cast.priya,
        school=cast.hub,
        owner=cast.ap_head,
        review_date=rated.week + timedelta(days=11),
        title="Engagement action plan",
        reason="Engagement Red after three weeks falling",
    )
    # no service writes plan targets yet; the plan's owner would add this one
    PlanTarget.objects.create(
        plan=plan,
        specific="Stay in every morning session",
        measure="5 of 5 sessions a week",
        target_date=rated.week + timedelta(days=25),
    )
    sending.run(now=friday(rated))
    (message,) = to(smtp_server, "provider@example.org")
    text, html = bodies(smtp_server, message)
    for body in (text, html):
        assert "Engagement action plan" in body and "Stay in every morning session" in body
    assert "Engagement Red after three weeks" not in text  # the plan's reasons stay at the hub
    (south,) = to(smtp_server, "other_provider@example.org")
    assert "Open actions" not in bodies(smtp_server, south)[0]

    update = ProviderUpdate.objects.get(provider=cast.north)
    client.force_login(cast.provider, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("reviews:update", args=[update.pk]))
    assert "Stay in every morning session" in page.content.decode()
    read = AuditEvent.objects.get(action="read", actor=cast.provider)
    assert read.pupil_id == cast.priya.pk and "Action plans" in read.what
