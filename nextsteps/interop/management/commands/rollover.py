from django.core.management.base import BaseCommand, CommandError

from nextsteps.schools.models import School
from nextsteps.schools.rollover import RolloverError, apply_rollover, plan_rollover


class Command(BaseCommand):
    help = (
        "Show the September rollover for a school (pupils up a year group, leavers marked as "
        "left); with --apply, carry it out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--school", type=int, required=True, help="the school's id")
        parser.add_argument("--apply", action="store_true", help="carry out the rollover")

    def handle(self, *args, school, apply, **options):
        try:
            target = School.objects.get(pk=school)
        except School.DoesNotExist:
            raise CommandError(f"There is no school with id {school}.") from None
        try:
            plan = plan_rollover(target)
        except RolloverError as exc:
            raise CommandError(str(exc)) from None
        counts = plan.counts
        self.stdout.write(
            f"{target}: {plan.from_year} to {plan.to_name}"
            f"{'' if plan.to_year else ' (to be created)'}, starting {plan.to_start:%d/%m/%Y}"
        )
        for move in plan.moves:
            now = f"{move.from_group}" + (f", {move.from_class}" if move.from_class else "")
            if move.done:
                then = "already done"
            elif move.leaves:
                then = "leaves"
            else:
                then = f"{move.to_group}, {move.to_class or 'no class'}"
            self.stdout.write(f"  {move.pupil.name}: {now} -> {then}")
        self.stdout.write(
            f"{counts['move']} move up ({counts['no_class']} without a class), "
            f"{counts['leave']} leave, {counts['done']} already rolled over."
        )
        if not apply:
            self.stdout.write("Preview only: run again with --apply to carry it out.")
            return
        from nextsteps.audit.context import acting_as

        with acting_as(None, source="nextsteps rollover"):
            done = apply_rollover(target)
        self.stdout.write(self.style.SUCCESS(f"Rollover to {done.to_year} applied."))
