from django.core.management.base import BaseCommand

from nextsteps.curriculum.services import load_shipped


class Command(BaseCommand):
    help = "Load the shipped scales and frameworks (migrate does this once; --refresh picks up "
    help += "changed shipped files as new framework versions)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Compare existing shipped frameworks with their files; a changed file makes a "
            "new version.",
        )

    def handle(self, *args, refresh=False, **options):
        for code, outcome in load_shipped(refresh=refresh).items():
            self.stdout.write(f"{code}: {outcome}")
