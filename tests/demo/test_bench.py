"""`nextsteps bench`: lists benchmarks, runs one on a tiny kept data set, prints its figures.
Timings are printed, never asserted."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

TINY = ["--schools", "1", "--pupils-per-school", "14", "--years", "0", "--repeat", "2"]


def test_list_names_each_benchmark_with_its_description():
    out = StringIO()
    call_command("bench", "--list", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("scope ") and "visible_to" in line for line in lines)


def test_unknown_benchmark_is_refused_with_the_available_ones():
    with pytest.raises(CommandError, match="Available: .*scope"):
        call_command("bench", "no-such-benchmark", stdout=StringIO())


@pytest.mark.slow
def test_json_output_is_one_object_with_every_figure_and_the_data_is_kept(tmp_path):
    out = StringIO()
    call_command("bench", "scope", "--json", *TINY, "--data-dir", str(tmp_path), stdout=out)
    result = json.loads(out.getvalue())
    assert list(result) == ["figures"]
    scope = result["figures"]["scope"]
    assert set(scope) == {"value", "unit", "baseline", "ratio"}
    assert scope["unit"] == "ms"
    assert scope["value"] > 0 and scope["baseline"] > 0
    assert scope["ratio"] == pytest.approx(scope["value"] / scope["baseline"], rel=0.01)
    kept = list(tmp_path.glob("demo-1x14-y0-*.sqlite3"))
    assert len(kept) == 1

    # a second run reuses the kept database and prints the plain table
    table = StringIO()
    call_command("bench", "scope", *TINY, "--data-dir", str(tmp_path), stdout=table)
    assert list(tmp_path.glob("demo-1x14-y0-*.sqlite3")) == kept
    text = table.getvalue()
    assert "baseline" in text and "ratio" in text
    assert any(line.startswith("scope ") for line in text.splitlines())
