import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve NextSteps. With DEBUG on: Django's development server plus a background worker, "
        "for trying it out. Otherwise gunicorn; run `nextsteps worker` beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--workers", default="3", help="gunicorn worker processes")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start a job worker (DEBUG)"
        )

    def handle(self, *args, host, port, workers, no_worker, **options):
        if settings.DEBUG:
            worker = None
            if not no_worker:
                worker = subprocess.Popen([sys.executable, "-m", "nextsteps.cli", "worker"])
            try:
                call_command("runserver", f"{host}:{port}", use_reloader=False)
            finally:
                if worker:
                    worker.terminate()
                    worker.wait(10)
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "nextsteps.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ]
        raise SystemExit(subprocess.call(args))
