from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run background jobs (imports, rollover, reports) from the database queue."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run the queued jobs, then stop")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args, batch, interval, **options):
        extra = ["--batch"] if batch else []
        call_command("db_worker", "--interval", str(interval), "--no-startup-delay", *extra)
