"""`nextsteps alerts run`: the alert sweep (see nextsteps/alerts/services.py). Idempotent: run
it from cron every few minutes, or keep it running with --loop. `nextsteps alerts status`
shows the last runs and the e-mail outbox; `nextsteps alerts resend NOTICE_ID` sends one
e-mail notice again on purpose."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from nextsteps.audit.context import acting_as


class Command(BaseCommand):
    help = "Run the alert rules (idempotent), show the last runs, or resend an e-mail notice."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="check the rules, raise alerts, send waiting e-mail")
        run.add_argument("--school", type=int, help="only this school (its id)")
        run.add_argument("--loop", action="store_true", help="keep running, one sweep a period")
        run.add_argument(
            "--interval",
            type=float,
            default=300.0,
            help="seconds between sweeps with --loop (default %(default)s)",
        )
        run.add_argument("--no-mail", action="store_true", help="raise alerts but send nothing")
        sub.add_parser("status", help="the last runs and the e-mail outbox")
        resend = sub.add_parser("resend", help="send one e-mail notice again")
        resend.add_argument("notice", type=int)

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def do_run(self, *, school=None, loop=False, interval=300.0, no_mail=False, **options):
        from nextsteps.alerts import services
        from nextsteps.schools.models import School

        chosen = None
        if school is not None:
            chosen = School.objects.filter(pk=school).first()
            if chosen is None:
                raise CommandError(f"There is no school with id {school}.")
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds.")
        while True:
            with acting_as(None, source="nextsteps alerts run"):
                record = services.run(
                    chosen, trigger="loop" if loop else "command", send=not no_mail
                )
            self.stdout.write(self.describe(record))
            if not loop:
                return
            close_old_connections()
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return

    @staticmethod
    def describe(record) -> str:
        found = ", ".join(f"{rule} {n}" for rule, n in sorted(record.found.items()))
        line = (
            f"{timezone.localtime(record.finished_at):%Y-%m-%d %H:%M:%S} "
            f"{record.get_status_display().lower()}: "
            f"raised {record.raised}, e-mails sent {record.emails_sent}, failed "
            f"{record.emails_failed} (conditions holding: {found or 'none'})"
        )
        return f"{line}; {record.message}" if record.message else line

    def do_status(self, **options):
        from nextsteps.alerts import queries

        status = queries.run_status(None)
        for record in status.runs:
            when = timezone.localtime(record.finished_at or record.started_at)
            self.stdout.write(
                f"{when:%Y-%m-%d %H:%M:%S} {record.trigger:<8} {record.get_status_display():<9} "
                f"raised {record.raised}, sent {record.emails_sent}, failed {record.emails_failed}"
                + (f"; {record.message}" if record.message else "")
            )
        self.stdout.write(
            "e-mail outbox: "
            + ", ".join(f"{label.lower()} {n}" for label, n in status.outbox_lines())
        )

    def do_resend(self, *, notice, **options):
        from nextsteps.alerts import mail
        from nextsteps.alerts.models import Notice

        row = Notice.objects.filter(pk=notice, channel=Notice.Channel.EMAIL).first()
        if row is None:
            raise CommandError(f"There is no e-mail notice with id {notice}.")
        with acting_as(None, source="nextsteps alerts resend"):
            row = mail.resend(row)
        self.stdout.write(f"Notice {row.pk} to {row.address}: {row.get_status_display()}.")
        if row.status != Notice.Status.SENT:
            raise CommandError(row.outcome or "Not sent.")
