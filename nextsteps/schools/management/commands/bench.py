import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from nextsteps import demo
from nextsteps.demo import benchmarks

# Set in the child process that runs against the benchmark database.
CHILD_FLAG = "NEXTSTEPS_BENCH_CHILD"


class Command(BaseCommand):
    help = (
        "Run benchmarks from bench/ (all of them, or those named) on a generated demo set kept "
        "between runs. Each figure is printed beside a baseline measured in the same run."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run")
        parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
        parser.add_argument(
            "--json",
            action="store_true",
            help='print one JSON object: {"figures": {NAME: {value, unit, baseline, ratio}}}',
        )
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
        parser.add_argument(
            "--schools", type=int, default=5, help="English primaries (default %(default)s)"
        )
        parser.add_argument("--pupils-per-school", type=int, default=210)
        parser.add_argument("--years", type=int, default=1)
        parser.add_argument(
            "--repeat", type=int, default=50, help="timed runs of each side (default %(default)s)"
        )
        parser.add_argument(
            "--data-dir",
            default=str(benchmarks.DATA_DIR),
            help="where generated SQLite databases are kept (default .bench/)",
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="use this database instead (empty, or holding the demo set already)",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="throw away the kept data and rebuild"
        )
        load = parser.add_argument_group("load benchmarks (markbook)")
        load.add_argument(
            "--teachers", type=int, default=50, help="simulated teachers (default %(default)s)"
        )
        load.add_argument(
            "--seconds", type=float, default=20.0, help="length of each phase (default %(default)s)"
        )
        load.add_argument(
            "--think",
            type=float,
            default=1.0,
            help="mean pause between one teacher's requests, 0 for none (default %(default)s)",
        )
        load.add_argument(
            "--workers",
            type=int,
            default=0,
            help="gunicorn sync workers (default 2 x CPUs + 1)",
        )

    def handle(self, *args, names, **options):
        try:
            found = benchmarks.available()
        except Exception as exc:  # a broken bench file must say which and why
            raise CommandError(f"Could not load the benchmarks in bench/: {exc}") from exc
        if options["list"]:
            width = max((len(n) for n in found), default=0)
            for name, description in found.items():
                self.stdout.write(f"{name:<{width}}  {description}")
            return
        unknown = [n for n in names if n not in found]
        if unknown:
            raise CommandError(
                f"No benchmark called {', '.join(unknown)}. Available: {', '.join(found)}."
            )
        if options["repeat"] < 1:
            raise CommandError("--repeat must be at least 1.")
        names = names or list(found)
        if os.environ.get(CHILD_FLAG) == "1":
            self.run_here(names, options)
        else:
            self.run_in_child(names, options)

    def run_in_child(self, names, options):
        """Run again in a child process whose DATABASE_URL is the benchmark database, so the
        generated data never touches the database this command was started with. Benchmarks
        that name a database of their own run in a child of their own against it."""
        by_database: dict[str, list[str]] = {}
        for name in names:
            url = options["database_url"] or benchmarks.own_database(name)
            by_database.setdefault(url, []).append(name)
        figures = {}
        for url, group in by_database.items():
            if url:
                try:
                    benchmarks.prepare_database(group, url, options["rebuild"])
                except Exception as exc:
                    raise CommandError(f"Could not prepare the database {url}: {exc}") from exc
            figures.update(self.child(group, url or self.kept_sqlite(options), options))
        if options["json"]:
            self.stdout.write(json.dumps({"figures": figures}, sort_keys=True))
            return
        self.stdout.write(
            f"{options['schools']} English primaries x {options['pupils_per_school']} pupils, "
            f"{options['years']} earlier year(s); in-process figures are the median of "
            f"{options['repeat']} runs each"
        )
        self.stdout.write(f"{'figure':<20} {'value':>12} {'baseline':>12} {'ratio':>8}")
        for name, fig in figures.items():
            ratio = "-" if fig["ratio"] is None else f"{fig['ratio']:.2f}"
            self.stdout.write(
                f"{name:<20} {fig['value']:>9.3f} {fig['unit']:<5} "
                f"{fig['baseline']:>9.3f} {fig['unit']:<5} {ratio:>8}"
            )

    def kept_sqlite(self, options) -> str:
        path = benchmarks.data_file(
            Path(options["data_dir"]),
            seed=options["seed"],
            schools=options["schools"],
            pupils_per_school=options["pupils_per_school"],
            years=options["years"],
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        if options["rebuild"]:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path.resolve()}"

    def child(self, names, url, options) -> dict:
        argv = [sys.executable, "-m", "nextsteps.cli", "bench", *names, "--json"]
        for option in (
            "seed",
            "schools",
            "pupils_per_school",
            "years",
            "repeat",
            "teachers",
            "seconds",
            "think",
            "workers",
        ):
            argv += [f"--{option.replace('_', '-')}", str(options[option])]
        env = {**os.environ, CHILD_FLAG: "1", "DATABASE_URL": url}
        # stderr (progress while the data is built) goes straight to the terminal
        result = subprocess.run(argv, env=env, stdout=subprocess.PIPE, text=True, check=False)
        if result.returncode != 0:
            raise CommandError(
                f"The benchmark run failed (exit status {result.returncode}); see above."
            )
        return json.loads(result.stdout)["figures"]

    def run_here(self, names, options):
        call_command("migrate", verbosity=0, interactive=False)
        try:
            built = benchmarks.ensure_data(
                seed=options["seed"],
                schools=options["schools"],
                pupils_per_school=options["pupils_per_school"],
                years=options["years"],
                progress=lambda message: self.stderr.write(f"bench data: {message}"),
            )
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if built:
            self.stderr.write("bench data: built and kept for the next run")
        figures = {}
        try:
            for name in names:
                figures.update(benchmarks.run_one(name, options))
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps({"figures": figures}, sort_keys=True))
