import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from nextsteps.audit.context import acting_as
from nextsteps.reviews import sending
from nextsteps.reviews.weeks import parse_week
from nextsteps.schools.models import School


class Command(BaseCommand):
    help = (
        "Weekly reviews: `reviews send-updates [--week YYYY-MM-DD] [--school ID] [--loop "
        "[--interval SECONDS]]` makes each provider's weekly update once it is due and emails "
        "it, each email at most once however often it runs (safe from cron)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send-updates", help="make the updates that are due and send them")
        send.add_argument("--week", help="the Monday of the week (default: the latest due)")
        send.add_argument("--school", type=int, help="only this school (its id)")
        send.add_argument("--loop", action="store_true", help="keep running, a pass at a time")
        send.add_argument(
            "--interval", type=float, default=300.0, help="seconds between passes with --loop"
        )

    def handle(self, *args, action, **options):
        week = None
        if options["week"]:
            try:
                week = parse_week(options["week"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        school = None
        if options["school"] is not None:
            school = School.objects.filter(pk=options["school"]).first()
            if school is None:
                raise CommandError(f"No school has the id {options['school']}.")
        while True:
            with acting_as(None, "nextsteps reviews send-updates"):
                report = sending.run(week=week, school=school)
            stamp = datetime.now().astimezone(timezone.get_current_timezone())
            self.stdout.write(f"{stamp:%Y-%m-%d %H:%M} {report.line()}")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
            close_old_connections()  # a long --loop outlives its database connections
