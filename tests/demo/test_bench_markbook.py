"""`nextsteps bench markbook` end to end on a tiny SQLite set: gunicorn is started, teachers
open the grid and save cells, and every figure comes back beside its baseline. Timings are
printed, never asserted; what is checked is that the requests succeeded."""

import json
import os
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

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
    "1",
    "--think",
    "0.05",
    "--workers",
    "2",
]


@pytest.fixture
def bench_url(tmp_path):
    """A SQLite file, or when the tests run on PostgreSQL a database of its own on the same
    server (created by the benchmark, dropped afterwards)."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not parts.scheme.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"{parts.path.lstrip('/')}_bench_markbook"
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
