"""Sending provider updates by email through Django's mail backend (SMTP in production), each
delivery at most once.

The rule. A delivery row (one per update and address, by a database constraint) is sent only
by the run that claims it: a single conditional UPDATE moves it from "pending" (or "failed" and
due for a retry) to "sending" and commits before anything is sent, so two runs at once, or a
run repeated, cannot both send it. After the SMTP server answers, the row becomes "sent" (with
the time) or "failed".

- The server refused (an SMTP error reply, or no connection or sign-in at all): the message was
  certainly not accepted. The row is "failed", the error kept, and a later run tries again
  after a pause that doubles each time (5 minutes, 10, 20 ... at most a day); after
  MAX_ATTEMPTS it is "gave up", shown to the school's leaders.
- Anything that leaves it unknown whether the server accepted the message (the connection lost
  mid-send, a time-out, the process killed between the send and the record) is never retried
  automatically: the row stays, or after STALE_AFTER is marked, "uncertain", and the school's
  leaders are shown it with "Send again". Sending again reuses the message's Message-ID, so a
  mail system that has it already can recognise the copy.

So delivery is at most once: a provider may, rarely, need a person to press "Send again", but is
never sent the same update twice by the machine. Every update is also readable in NextSteps by
the provider's staff, so a lost email loses no information.

Claims must commit before the send: call these outside any transaction (the command and the
worker do)."""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from . import updates
from .models import UpdateDelivery

log = logging.getLogger(__name__)
S = UpdateDelivery.Status

STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 8
FIRST_PAUSE = timedelta(minutes=5)
LONGEST_PAUSE = timedelta(days=1)


def pause_after(attempts: int) -> timedelta:
    """How long to wait before trying a failed delivery again."""
    return min(FIRST_PAUSE * 2 ** max(attempts - 1, 0), LONGEST_PAUSE)


@dataclass
class Report:
    made: int = 0
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    notes: list = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"{self.made} update(s) made; {self.sent} email(s) sent, {self.failed} failed "
            f"(to be retried or given up), {self.uncertain} uncertain"
        )
        return "; ".join([text, *self.notes])


def _ready(now):
    return Q(status=S.PENDING) | Q(status=S.FAILED, retry_at__lte=now)


def mark_stale(now=None) -> int:
    """Claims older than STALE_AFTER whose run never said how the send went: uncertain."""
    now = now or timezone.now()
    return UpdateDelivery.objects.filter(status=S.SENDING, claimed_at__lt=now - STALE_AFTER).update(
        status=S.UNCERTAIN,
        error="The sending run stopped before recording whether this was sent.",
    )


def claim(pk, now=None) -> bool:
    """Take one delivery for sending. True only for the one caller whose UPDATE matched."""
    now = now or timezone.now()
    return bool(
        UpdateDelivery.objects.filter(_ready(now), pk=pk).update(
            status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def message_for(delivery: UpdateDelivery, connection=None) -> EmailMultiAlternatives:
    update = delivery.update
    message = EmailMultiAlternatives(
        subject=update.subject,
        body=update.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        connection=connection,
        headers={
            "Message-ID": delivery.message_id,
            "Auto-Submitted": "auto-generated",
            "X-NextSteps-Update": str(update.pk),
        },
    )
    message.attach_alternative(update.body_html, "text/html")
    return message


class _Refused(Exception):
    """The server certainly did not take the message."""


def _send(delivery, connection) -> None:
    """Send, sorting errors into refused (certainly not taken) and anything else (unknown)."""
    try:
        message_for(delivery, connection).send()
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
        raise _Refused(str(exc)) from exc


def _record(pk, status, **fields) -> None:
    UpdateDelivery.objects.filter(pk=pk, status=S.SENDING).update(status=status, **fields)


def deliver(now=None, *, report: Report | None = None) -> Report:
    """Send every delivery that is ready (pending, or failed and due for another try), each
    claimed first, over one SMTP connection. If the server cannot be reached at all, the run
    records that on the delivery it claimed and stops; the rest wait for the next run."""
    report = report or Report()
    now = now or timezone.now()
    report.uncertain += mark_stale(now)
    ready = list(
        UpdateDelivery.objects.filter(_ready(now))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    if not ready:
        return report
    connection = get_connection(fail_silently=False)
    opened = False
    try:
        for pk in ready:
            if not claim(pk, now):
                continue  # another run took it
            delivery = UpdateDelivery.objects.select_related("update").get(pk=pk)
            try:
                if not opened:
                    try:
                        connection.open()
                    except (OSError, smtplib.SMTPException) as exc:
                        raise _Refused(f"Could not reach the mail server: {exc}") from exc
                    opened = True
                _send(delivery, connection)
            except _Refused as exc:
                _failed(delivery, str(exc), now)
                report.failed += 1
                if not opened:
                    report.notes.append("the mail server could not be reached; stopped")
                    break
                continue
            except Exception as exc:  # noqa: BLE001 (whatever it was, the outcome is unknown)
                log.exception("Sending update delivery %s", pk)
                _record(pk, S.UNCERTAIN, error=f"Unknown whether it was sent: {exc}"[:500])
                report.uncertain += 1
                # The connection may be half-way through a conversation: start a new one.
                connection.close()
                opened = False
                continue
            _record(pk, S.SENT, sent_at=timezone.now(), error="")
            report.sent += 1
    finally:
        if opened:
            connection.close()
    return report


def _failed(delivery, error: str, now) -> None:
    attempts = delivery.attempts
    if attempts >= MAX_ATTEMPTS:
        _record(delivery.pk, S.GAVE_UP, error=error[:500], retry_at=None)
    else:
        retry = now + pause_after(attempts)
        _record(delivery.pk, S.FAILED, error=error[:500], retry_at=retry)


def run(*, now=None, week=None, school=None, by=None, early=False) -> Report:
    """One pass: make the updates that are due, then send what is ready. Safe to run as often
    as you like, and from several places at once."""
    report = Report()
    for made in updates.make_due_updates(now=now, week=week, school=school, by=by, early=early):
        report.made += len(made.made)
        if made.note:
            report.notes.append(f"{made.school}, week of {made.week}: {made.note}")
    return deliver(now, report=report)


def send_again(delivery: UpdateDelivery, *, by) -> UpdateDelivery:
    """A person's decision to send an uncertain or given-up delivery again: back to pending
    for the next run (audit-logged, with who)."""
    if delivery.status not in (S.UNCERTAIN, S.GAVE_UP):
        raise ValidationError(
            "Only an email that may not have arrived, or that was given up on, is sent again."
        )
    delivery.status = S.PENDING
    delivery.retry_at = None
    delivery.error = f"Sent again by {by}"[:500]
    delivery.save()
    return delivery
