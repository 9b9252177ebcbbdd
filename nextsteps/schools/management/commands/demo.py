import time

from django.core.management.base import BaseCommand, CommandError

from nextsteps import demo
from nextsteps.schools.models import School


class Command(BaseCommand):
    help = (
        "Build the demo data set: a trust with English primaries, a Scottish primary and an "
        "alternative-provision hub, with staff, pupils, parents, providers and placements. "
        "The same --seed gives the same data. Prints the demo sign-ins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (default %(default)s)"
        )
        parser.add_argument(
            "--schools",
            type=int,
            default=1,
            help="how many English primaries (default 1); the Scottish primary and the "
            "alternative-provision hub are always built",
        )
        parser.add_argument(
            "--pupils-per-school",
            type=int,
            default=210,
            help="pupils on roll in each primary this year (default 210)",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=1,
            help="earlier academic years of records besides the current one (default 1)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="build only if the database has no school yet; print the sign-ins either way",
        )

    def handle(self, *args, **options):
        if School.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has schools: no demo data added.")
                self.print_logins(demo.logins())
                return
            raise CommandError(
                "The database already has schools, so the demo was not built. Use an empty "
                "database (or --if-empty to just print the demo sign-ins)."
            )
        started = time.monotonic()
        try:
            summary = demo.build(
                seed=options["seed"],
                schools=options["schools"],
                pupils_per_school=options["pupils_per_school"],
                years=options["years"],
                progress=lambda message: self.stderr.write(message),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Built the demo in {time.monotonic() - started:.1f} s (seed {summary.seed}): "
            f"{len(summary.schools)} schools, {summary.pupils} pupils, {summary.staff} staff, "
            f"{summary.parents} parent sign-ins, {summary.pupil_sign_ins} pupil sign-ins, "
            f"{summary.placements} placements by {summary.providers} providers; "
            f"academic year {', '.join(summary.academic_years)}."
        )
        self.stdout.write(f"Assessment data: {summary.assessment_line()}.")
        self.print_logins(summary.logins)

    def print_logins(self, logins):
        if not logins:
            self.stdout.write("No demo sign-ins in this database.")
            return
        role_width = max(len(login.role) for login in logins)
        user_width = max(len(login.username) for login in logins)
        self.stdout.write("")
        self.stdout.write("Demo sign-ins (email or username, then password):")
        self.stdout.write(f"  {'Role':<{role_width}}  {'Email':<{user_width}}  Password")
        for login in logins:
            self.stdout.write(
                f"  {login.role:<{role_width}}  {login.username:<{user_width}}  {login.password}"
            )
