"""The `nextsteps` command: Django's manage.py with NextSteps' own commands
(`demo`, `serve`, `worker`, `token`, `bench`, `rollover`) beside the usual ones."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nextsteps.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "nextsteps"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
