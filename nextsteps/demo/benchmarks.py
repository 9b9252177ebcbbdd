"""The harness behind `nextsteps bench`: finding benchmarks, keeping their data, timing them.

A benchmark is a file bench/NAME.py whose docstring's first line describes it and whose
`run(repeat)` returns {figure name: figure(value, baseline)}. Each figure is measured beside a
baseline in the same run, so the ratio means something on any machine. A benchmark may also
take the command's options (`run(repeat, options=...)`), name a database of its own
(DEFAULT_DATABASE_URL, used unless --database-url is given) and create it
(`prepare_database(url, rebuild)`).

The data is the demo set at the size asked for, generated once into its own database (by
default .bench/<size>.sqlite3) and reused, so a repeat run only times.
"""

import importlib.util
import inspect
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from nextsteps.lib.dates import academic_year_start

from .generator import TRUST_NAME, build

BENCH_DIR = Path(settings.BASE_DIR) / "bench"
DATA_DIR = Path(settings.BASE_DIR) / ".bench"


def available() -> dict[str, str]:
    """Benchmark name -> its one-line description, from bench/*.py."""
    found = {}
    for path in sorted(BENCH_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = load(path.stem)
        doc = (module.__doc__ or "").strip().splitlines()
        # bench/import_results.py is run as `nextsteps bench import-results`
        found[path.stem.replace("_", "-")] = doc[0] if doc else ""
    return found


def load(name: str):
    """Import bench/NAME.py by path: bench/ is a folder of scripts, not an installed package."""
    name = name.replace("-", "_")
    path = BENCH_DIR / f"{name}.py"
    if not path.is_file():
        raise LookupError(name)
    spec = importlib.util.spec_from_file_location(f"nextsteps_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def own_database(name: str) -> str:
    """The database the benchmark asks for, or "" for the kept demo set."""
    return getattr(load(name), "DEFAULT_DATABASE_URL", "")


def prepare_database(names, url: str, rebuild: bool) -> None:
    """Let the benchmarks that can create their database do so before a run uses it."""
    for name in names:
        prepare = getattr(load(name), "prepare_database", None)
        if prepare is not None:
            prepare(url, rebuild)


def create_database(url: str, rebuild: bool = False) -> None:
    """Create a benchmark's own database if it is missing: a PostgreSQL database as the
    markbook benchmark makes it (dropped first with `rebuild`), or a SQLite file's folder (the
    file, deleted on `rebuild`, is created by Django)."""
    import os
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        os.makedirs(os.path.dirname(parts.path), exist_ok=True)
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(f"{parts.path}{suffix}"):
                    os.remove(f"{parts.path}{suffix}")
    else:
        load("markbook").prepare_database(url, rebuild)


def prepare_own_trust(url: str, rebuild: bool = False) -> None:
    """For a benchmark that builds its own data straight into its own database: create it,
    migrate it and make the demo's trust in it, so that the harness, which builds the demo set
    into any database without that trust, leaves it to the benchmark's own data."""
    import os
    import subprocess
    import sys

    create_database(url, rebuild)
    env = {**os.environ, "DATABASE_URL": url}
    cli = [sys.executable, "-m", "nextsteps.cli"]
    subprocess.run([*cli, "migrate", "--verbosity", "0"], env=env, check=True)
    make = (
        "from nextsteps.demo.generator import TRUST_NAME as n; "
        "from nextsteps.schools.models import Trust; from nextsteps.schools import services; "
        "Trust.objects.filter(name=n).exists() or services.create_trust(n)"
    )
    subprocess.run([*cli, "shell", "-c", make], env=env, check=True)


def run_one(name: str, options: dict) -> dict:
    """Run one benchmark, passing the command's options to those whose run() takes them."""
    module = load(name)
    if "options" in inspect.signature(module.run).parameters:
        return module.run(options["repeat"], options=options)
    return module.run(options["repeat"])


def data_file(data_dir: Path, *, seed: int, schools: int, pupils_per_school: int, years: int):
    """Where the generated set of this size lives. The academic year is in the name because
    the demo is built around today's year."""
    year = academic_year_start(timezone.localdate())
    name = f"demo-{schools}x{pupils_per_school}-y{years}-seed{seed}-{year}.sqlite3"
    return Path(data_dir) / name


def ensure_data(*, seed, schools, pupils_per_school, years, progress) -> bool:
    """Make sure this (migrated) database holds the demo set; build it if the database is empty.
    Returns True if it was built now."""
    from nextsteps.schools.models import School, Trust

    if Trust.objects.filter(name=TRUST_NAME).exists():
        return False
    if School.objects.exists():
        raise RuntimeError(
            "The benchmark database holds schools that are not the demo set; give an empty one."
        )
    build(
        seed=seed,
        schools=schools,
        pupils_per_school=pupils_per_school,
        years=years,
        progress=progress,
    )
    return True


def compare_ms(
    measure: Callable[[], object], baseline: Callable[[], object], repeat: int, warmup: int = 3
) -> tuple[float, float]:
    """Median wall-clock milliseconds of `measure` and of `baseline`, run turn about so that
    anything else slowing the machine touches both alike."""
    for _ in range(warmup):
        measure()
        baseline()
    values, baselines = [], []
    for _ in range(repeat):
        for fn, out in ((measure, values), (baseline, baselines)):
            started = time.perf_counter()
            fn()
            out.append((time.perf_counter() - started) * 1000)
    return statistics.median(values), statistics.median(baselines)


def figure(value: float, baseline: float, unit: str = "ms") -> dict:
    """One reported figure: the measurement, its baseline from the same run, and their ratio."""
    return {
        "value": round(value, 4),
        "unit": unit,
        "baseline": round(baseline, 4),
        "ratio": round(value / baseline, 3) if baseline else None,
    }
