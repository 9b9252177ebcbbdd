"""Repeated and interrupted runs: nothing raised twice, nothing e-mailed twice. Runs stopped
while writing an alert, between sending an e-mail and recording it, with the mail server
away, and two sweeps racing for the same condition; the command and the worker's task."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from nextsteps.alerts import mail, services
from nextsteps.alerts.detect import Finding
from nextsteps.alerts.models import Alert, Notice, SweepRun

from .conftest import rate, sweep

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The process being killed: not an Exception, so nothing on the way catches it."""


def test_a_run_stopped_while_writing_an_alert_leaves_nothing_half_written(hub, monkeypatch):
    rate(hub.priya, hub.engagement, "GAAAR")
    rate(hub.tomasz, hub.engagement, "GAAAR")
    real = Notice.objects.bulk_create
    calls = {"n": 0}

    def dies_on_the_second(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Notice.objects, "bulk_create", dies_on_the_second)
    with pytest.raises(Killed):
        sweep(hub.hub, send=False)
    # the first alert is whole, with its notices; the second was never written at all
    assert Alert.objects.count() == 1
    first = Alert.objects.get()
    assert first.notices.exists()
    assert SweepRun.objects.get().status == SweepRun.Status.RUNNING  # as a killed run leaves it
    monkeypatch.setattr(Notice.objects, "bulk_create", real)
    assert sweep(hub.hub, send=False).raised == 1
    assert Alert.objects.count() == 2
    # an hour on, the killed run is recorded as stopped
    SweepRun.objects.filter(status=SweepRun.Status.RUNNING).update(
        started_at=timezone.now() - timedelta(hours=2)
    )
    sweep(hub.hub, send=False)
    stopped = SweepRun.objects.order_by("pk").first()
    assert stopped.status == SweepRun.Status.FAILED and "Stopped before" in stopped.message
    for alert in Alert.objects.all():
        keys = list(alert.notices.values_list("channel", "recipient"))
        assert len(keys) == len(set(keys)) > 0


def test_a_run_stopped_between_sending_and_recording_never_sends_again(
    hub, smtp_server, monkeypatch
):
    rate(hub.priya, hub.engagement, "GAAAR")
    real_connection = mail.get_connection

    def connection_that_dies_after_one(*args, **kwargs):
        backend = real_connection(*args, **kwargs)
        send = backend.send_messages

        def send_then_die(messages):
            send(messages)  # the mail server has it now
            raise Killed

        backend.send_messages = send_then_die
        return backend

    monkeypatch.setattr(mail, "get_connection", connection_that_dies_after_one)
    with pytest.raises(Killed):
        sweep(hub.hub)
    assert len(smtp_server.messages) == 1
    stuck = Notice.objects.get(channel="email", status=Notice.Status.SENDING)
    monkeypatch.setattr(mail, "get_connection", real_connection)
    # the next run sends the other e-mail, and not the one whose outcome it cannot know
    record = sweep(hub.hub)
    assert record.emails_sent == 1 and len(smtp_server.messages) == 2
    assert len({m["X-Envelope-To"] for m in smtp_server.messages}) == 2
    stuck.refresh_from_db()
    assert stuck.status == Notice.Status.SENDING
    # once the claim is old, it is marked "outcome unknown", still never sent again
    Notice.objects.filter(pk=stuck.pk).update(
        claimed_at=timezone.now() - mail.CLAIM_TIMEOUT - timedelta(minutes=1)
    )
    sweep(hub.hub)
    stuck.refresh_from_db()
    assert stuck.status == Notice.Status.UNKNOWN and "may have gone" in stuck.outcome
    assert len(smtp_server.messages) == 2
    # a person who checked sends it again on purpose
    call_command("alerts", "resend", str(stuck.pk), stdout=io.StringIO())
    stuck.refresh_from_db()
    assert stuck.status == Notice.Status.SENT and len(smtp_server.messages) == 3


def test_the_mail_server_away_leaves_the_mail_waiting(hub, smtp_server, settings):
    rate(hub.priya, hub.engagement, "GAAAR")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = mail_free_port()
    record = sweep(hub.hub)
    assert record.raised == 1 and record.emails_sent == 0
    assert "could not be reached" in record.message
    assert set(Notice.objects.filter(channel="email").values_list("status", flat=True)) == {
        Notice.Status.PENDING
    }
    settings.EMAIL_PORT = port
    assert sweep(hub.hub).emails_sent == 2
    assert sweep(hub.hub).emails_sent == 0
    assert len(smtp_server.messages) == 2


def mail_free_port() -> int:
    from tests.smtp import free_port

    return free_port()


def test_a_refused_message_is_tried_again_a_few_times_then_left(hub, smtp_server, monkeypatch):
    rate(hub.priya, hub.engagement, "GAAAR")
    refusals = {"n": 0}
    real = mail.message_for

    def refused(notice):
        if notice.address == "senco@northgate.example":
            refusals["n"] += 1
            raise OSError("550 mailbox unavailable")
        return real(notice)

    monkeypatch.setattr(mail, "message_for", refused)
    for _ in range(mail.MAX_ATTEMPTS + 2):
        sweep(hub.hub)
    assert refusals["n"] == mail.MAX_ATTEMPTS
    bad = Notice.objects.get(address="senco@northgate.example")
    assert bad.status == Notice.Status.FAILED and "550" in bad.outcome
    assert [m["X-Envelope-To"] for m in smtp_server.messages] == ["office@northgate.example"]


def test_a_plan_the_support_app_refuses_leaves_the_alert_saying_why(hub, monkeypatch):
    from django.core.exceptions import ValidationError

    from nextsteps.support import services as support

    def refuse(*args, **kwargs):
        raise ValidationError({"owner": "The owner must work at the school."})

    monkeypatch.setattr(support, "open_action_plan", refuse)
    rate(hub.priya, hub.engagement, "GAAAR")
    assert sweep(hub.hub, send=False).raised == 1
    alert = Alert.objects.get()
    assert alert.plan is None
    assert alert.plan_note == "No action plan was opened: The owner must work at the school."
    assert alert.notices.filter(user=hub.provider).exists()


def test_two_sweeps_racing_raise_one_alert(hub):
    finding = Finding(
        school_id=hub.hub.pk,
        pupil_id=hub.priya.pk,
        rule="rag_deteriorating",
        condition=f"rag_deteriorating:area:{hub.engagement.pk}",
        episode="from:2026-01-05",
        summary="Engagement: deteriorating for 4 weeks",
    )
    today = timezone.localdate()
    # both checked before either wrote: the database lets one through
    first = services.raise_findings([finding], schools=[hub.hub], today=today)
    second = services.raise_findings([finding], schools=[hub.hub], today=today)
    assert len(first) == 1 and second == []
    assert Alert.objects.count() == 1
    # a later episode of the same condition while the first is open: refused too
    later = Finding(**{**finding.__dict__, "episode": "from:2026-03-02"})
    assert services.raise_findings([later], schools=[hub.hub], today=today) == []
    assert Notice.objects.filter(alert__in=Alert.objects.all()).count() == len(
        set(Notice.objects.values_list("alert", "channel", "recipient"))
    )


def test_the_command_and_the_task_run_the_same_sweep(hub, smtp_server, settings, capsys):
    rate(hub.priya, hub.engagement, "GAAAR")
    call_command("alerts", "run", "--school", str(hub.hub.pk))
    out = capsys.readouterr().out
    assert "raised 1, e-mails sent 2" in out
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from nextsteps.alerts.tasks import run_alerts

    result = run_alerts.enqueue(school_id=hub.hub.pk)
    assert result.return_value == {
        "run": SweepRun.objects.order_by("-pk").first().pk,
        "raised": 0,
        "emails_sent": 0,
    }
    call_command("alerts", "status")
    status = capsys.readouterr().out
    assert "task" in status and "sent 2" in status
    assert len(smtp_server.messages) == 2
