"""Sending the alerts' e-mail notices from the outbox (Notice rows), through Django's mail
backend (SMTP in production).

At most once. A notice is claimed before it is sent: picked (on PostgreSQL with SELECT ... FOR
UPDATE SKIP LOCKED, so runs side by side take different notices without waiting; SQLite lets
one writer in at a time) and moved by a conditional UPDATE from "waiting" (or "not sent", for a
retry) to "being sent", in a transaction committed before the SMTP conversation starts, so two
runs never send the same notice. When the mail server has accepted the message the notice is
marked sent.

If a run stops between the two (the process killed while talking to the mail server, or just
after), the notice is left "being sent". A later run finds it after CLAIM_TIMEOUT and marks it
"outcome unknown" rather than sending it again: the message may well have gone, and telling
a provider twice is worse than a person checking once. The alert's page and the run status
show such notices; `nextsteps alerts resend NOTICE_ID` sends one again on purpose.

A send the mail server refused (an exception before it accepted the message) is "not sent"
and tried again by later runs (once a run), up to MAX_ATTEMPTS times in all."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Notice

MAX_ATTEMPTS = 3
CLAIM_TIMEOUT = timedelta(minutes=15)
BATCH = 200


def site_url() -> str:
    """Where NextSteps is, for links in e-mail: settings.NEXTSTEPS_BASE_URL (as the weekly
    updates use), else the first trusted origin; empty when neither is set (the e-mail then
    names the page without a link)."""
    base = getattr(settings, "NEXTSTEPS_BASE_URL", "")
    url = base or next(iter(settings.CSRF_TRUSTED_ORIGINS), "")
    return url.rstrip("/")


def message_for(notice) -> EmailMessage:
    from django.urls import reverse

    alert = notice.alert
    context = {
        "alert": alert,
        "notice": notice,
        "pupil": alert.pupil,
        "school": alert.school,
        "url": f"{site_url()}{reverse('alerts:detail', args=[alert.pk])}",
        "has_site": bool(site_url()),
    }
    subject = render_to_string("alerts/email_subject.txt", context).strip().replace("\n", " ")
    body = render_to_string("alerts/email_body.txt", context)
    return EmailMessage(
        subject=f"{getattr(settings, 'ACCOUNT_EMAIL_SUBJECT_PREFIX', '')}{subject}",
        body=body,
        to=[notice.address],
        headers={"Auto-Submitted": "auto-generated", "X-NextSteps-Notice": str(notice.pk)},
    )


def expire_claims(now=None) -> int:
    """Notices left "being sent" longer than CLAIM_TIMEOUT become "outcome unknown"."""
    now = now or timezone.now()
    return Notice.objects.filter(
        channel=Notice.Channel.EMAIL,
        status=Notice.Status.SENDING,
        claimed_at__lt=now - CLAIM_TIMEOUT,
    ).update(
        status=Notice.Status.UNKNOWN,
        outcome="The run sending this stopped before it recorded the outcome; it may have "
        "gone. Not sent again automatically.",
    )


def _due(school=None):
    due = Notice.objects.filter(channel=Notice.Channel.EMAIL).filter(
        Q(status=Notice.Status.PENDING) | Q(status=Notice.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
    )
    return due.filter(alert__school=school) if school is not None else due


def claim(pk: int) -> bool:
    """Take the notice for sending; False if another run has it or it is no longer due."""
    return bool(
        _due()
        .filter(pk=pk)
        .update(status=Notice.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    )


def claim_next(school=None, skip=()) -> int | None:
    """Claim the next notice due (not one in `skip`), in a transaction of its own that commits
    before anything is sent. On PostgreSQL the row is picked FOR UPDATE SKIP LOCKED, so runs
    side by side take different notices without waiting; SQLite lets one writer in at a time.
    Returns its id, or None when nothing is due."""
    while True:
        with transaction.atomic():
            due = _due(school).exclude(pk__in=list(skip)).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                due = due.select_for_update(skip_locked=True, of=("self",))
            pk = due.values_list("pk", flat=True).first()
            if pk is None:
                return None
            if claim(pk):
                return pk
        skip = {*skip, pk}  # taken by another run between the two statements


def deliver(notice, mail_connection) -> None:
    """Send one claimed notice and record what happened."""
    try:
        mail_connection.send_messages([message_for(notice)])
    except Exception as exc:  # the mail server refused it, or was not there: not sent
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
            status=Notice.Status.FAILED, outcome=f"{type(exc).__name__}: {exc}"[:300]
        )
        raise
    Notice.objects.filter(pk=notice.pk, status=Notice.Status.SENDING).update(
        status=Notice.Status.SENT,
        sent_at=timezone.now(),
        outcome="Accepted by the mail server",
    )


def send_pending(*, school=None, limit: int = BATCH) -> tuple[int, int, str]:
    """Send the waiting e-mail notices (of one school, or all), each at most once, and those
    refused before, once more each. Returns (sent, failed, problem) where problem says why
    nothing could be sent (the mail server unreachable), else ""."""
    expire_claims()
    if not _due(school).exists():
        return 0, 0, ""
    mail_connection = get_connection(fail_silently=False)
    try:
        mail_connection.open()
    except Exception as exc:  # nothing claimed yet: every notice waits for the next run
        return 0, 0, f"The mail server could not be reached ({type(exc).__name__}: {exc})"[:500]
    sent = failed = 0
    tried = set()
    try:
        while len(tried) < limit:
            pk = claim_next(school, tried)
            if pk is None:
                break
            tried.add(pk)
            notice = Notice.objects.select_related("alert__pupil", "alert__school").get(pk=pk)
            try:
                deliver(notice, mail_connection)
            except Exception:
                failed += 1
                continue
            sent += 1
    finally:
        mail_connection.close()
    return sent, failed, ""


def resend(notice) -> Notice:
    """Send a notice again on purpose (after a person checked that an "outcome unknown" or
    "not sent" one did not arrive)."""
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.PENDING, attempts=0)
    if claim(notice.pk):
        notice = Notice.objects.select_related("alert__pupil", "alert__school").get(pk=notice.pk)
        mail_connection = get_connection(fail_silently=False)
        try:
            deliver(notice, mail_connection)
        except Exception:  # noqa: S110 (deliver recorded it on the notice as not sent)
            pass
        finally:
            mail_connection.close()
    notice.refresh_from_db()
    return notice
