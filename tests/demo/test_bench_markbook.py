"""`nextsteps bench markbook` end to end on a tiny SQLite set: gunicorn is started, teachers
open the grid and save cells, and every figure comes back beside its baseline. Timings are
printed, never asserted; what is checked is that the requests succeeded."""

import json
import os
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

# Tens of seconds of data building and two gunicorn starts, however short the phases.
pytestmark = pytest.mark.slow

# The smallest run that still exercises everything: two teachers on two gunicorn workers (so
# saves can meet on the database), and phases a quarter of a second long, each of which still
# sends every teacher's request at least once. What is checked is the shape of the figures and
# that no request failed, not the timings, so longer phases would only cost time.
TINY = [
    "--schools",
    "1",
    "--pupils-per-school",
    "14",
    "--years",
    "0",
    "--teachers",
    "2",
    "--seconds",
    "0.25",
    "--think",
    "0.05",
    "--workers",
    "2",
]


def _migrated_copy(request, path):
    """Copy the (SQLite) test database as migrations left it to `path`, with SQLite's backup
    API. Between tests it holds exactly the migrated rows (see tests/conftest.py), and the copies
    conftest keeps of them are dropped from this one."""
    import sqlite3

    from django.db import connection

    from tests.conftest import PRISTINE_PREFIX

    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
            tables = target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for (name,) in tables.fetchall():
                if name.startswith(PRISTINE_PREFIX):
                    target.execute(f'DROP TABLE "{name}"')
            target.commit()
        finally:
            target.close()


@pytest.fixture
def bench_url(request, tmp_path):
    """A SQLite file, or when the tests run on PostgreSQL a database of its own on the same
    server (created and migrated by the benchmark, dropped afterwards). The SQLite file starts
    as a copy of the migrated test database: the benchmark's own `migrate` then has nothing to
    do, which saves migrating from nothing once more (the PostgreSQL run still does)."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not parts.scheme.startswith("postgres"):
        path = tmp_path / "bench.sqlite3"
        _migrated_copy(request, path)
        yield f"sqlite:///{path}"
        return
    import psycopg

    # one database a pytest-xdist worker, should two runs of this test ever overlap
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{parts.path.lstrip('/')}_bench_markbook_{worker}"
    yield parts._replace(path=f"/{name}").geturl()
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_markbook_load_run_reports_every_figure_and_no_failed_request(bench_url, capfd):
    url = bench_url
    out = StringIO()
    call_command(
        "bench", "markbook", "--json", "--rebuild", "--database-url", url, *TINY, stdout=out
    )
    figures = json.loads(out.getvalue())["figures"]
    expected = {
        f"markbook_{kind}_{stat}"
        for kind in ("grid", "save")
        for stat in ("p50", "p95", "p99", "rps")
    } | {"markbook_errors"}
    assert set(figures) == expected
    for name, fig in figures.items():
        assert set(fig) == {"value", "unit", "baseline", "ratio"}, name
    for name in expected - {"markbook_errors"}:
        fig = figures[name]
        assert fig["value"] > 0 and fig["baseline"] > 0, name
        assert fig["unit"] == ("req/s" if name.endswith("rps") else "ms")
    # every grid load, save and bare-view request succeeded (a 409 or 500 would count here)
    assert figures["markbook_errors"] == {
        "value": 0.0,
        "unit": "%",
        "baseline": 0.0,
        "ratio": None,
    }

    first = capfd.readouterr().err
    assert "history for" in first and "grid of 2 pupils by 60 objectives" in first

    # a second run finds the data (the history is not written twice) and prints the table
    table = StringIO()
    call_command("bench", "markbook", "--database-url", url, *TINY, stdout=table)
    assert "history for" not in capfd.readouterr().err
    lines = table.getvalue().splitlines()
    assert any(line.startswith("markbook_save_p95 ") for line in lines)
    assert any(line.startswith("markbook_errors ") and "0.000 %" in line for line in lines)
