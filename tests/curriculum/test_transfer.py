"""Frameworks as YAML and CSV: round trips, versioning, and malformed files refused with a
line-by-line report and nothing written."""

import pytest
import yaml

from nextsteps.curriculum import services, transfer
from nextsteps.curriculum.models import (
    Framework,
    Objective,
    SchoolFramework,
    Stage,
    SuccessCriterion,
)
from nextsteps.curriculum.transfer import FrameworkFileError

pytestmark = pytest.mark.django_db

GOOD = """\
code: test-fw
name: Test framework
judgement_scale: nydsm
summary_scale: wts-exs-gds
stages:
  - {code: A, name: Stage A, year_stage: 3}
  - {code: B, name: Stage B, year_stage: 4}
subjects:
  - code: maths
    name: Maths
    objectives:
      - {code: M1, stage: A, strand: Number, statement: Counts, pupil_statement: I can count,
         key: true, success_criteria: [one, two]}
      - {code: M2, stage: A, strand: Number, statement: Adds}
      - {code: M3, stage: B, strand: Shape, statement: Names shapes, retired: true}
"""


def table_counts():
    return (
        Framework.objects.count(),
        Stage.objects.count(),
        Objective.objects.count(),
        SuccessCriterion.objects.count(),
        SchoolFramework.objects.count(),
    )


def test_yaml_import_builds_the_framework_owned_and_adopted_by_the_school(cast):
    framework = services.import_framework(GOOD.encode(), "fw.yaml", cast.school, by=cast.leader)
    assert framework.school == cast.school and framework.version == 1
    assert SchoolFramework.objects.filter(school=cast.school, framework=framework).exists()
    m1 = Objective.objects.get(subject__framework=framework, code="M1")
    assert m1.key and m1.pupil_statement == "I can count" and m1.stage.year_stage == 3
    assert [c.text for c in m1.success_criteria.all()] == ["one", "two"]
    assert Objective.objects.get(subject__framework=framework, code="M3").retired_at is not None


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_then_import_gives_the_same_framework(cast, fmt):
    shipped = Framework.objects.get(code="england-primary", version=1)
    text = transfer.to_yaml(shipped) if fmt == "yaml" else transfer.to_csv(shipped)
    text = text.replace("england-primary", "test-own-primary")
    framework = services.import_framework(text.encode(), f"own.{fmt}", cast.school)
    assert framework.code == "test-own-primary"
    exported, imported = transfer.spec_of(shipped), transfer.spec_of(framework)
    imported["code"] = exported["code"]
    assert transfer.same_content(exported, imported)
    assert imported == exported  # the same order too
    again = transfer.to_yaml(framework) if fmt == "yaml" else transfer.to_csv(framework)
    assert again == text


def test_csv_with_its_own_order_column_and_criteria(cast):
    text = (
        "framework,test-csv\nname,CSV framework\njudgement_scale,rag\nsummary_scale,rag\n"
        "stage,S1,Step 1,\n"
        "subject,eng,Engagement\n\n"
        "subject,strand,stage,code,statement,pupil_statement,key,order,success_criteria\n"
        "eng,Attendance,S1,E2,Comes on time,I can be on time,no,20,\n"
        "eng,Attendance,S1,E1,Comes in,I can come in,yes,10,Arrives; Stays\n"
    )
    framework = services.import_framework(text.encode(), "ap.csv", cast.school)
    ladder = list(Objective.objects.filter(subject__framework=framework).order_by("order"))
    assert [o.code for o in ladder] == ["E1", "E2"]
    assert [c.text for c in ladder[0].success_criteria.all()] == ["Arrives", "Stays"]
    assert ladder[0].key and not ladder[1].key
    assert framework.stages.get().year_stage is None


def test_reimporting_a_changed_file_makes_a_new_version_adopted_in_place_of_the_old(cast):
    first = services.import_framework(GOOD.encode(), "fw.yaml", cast.school)
    same = services.import_framework(GOOD.encode(), "fw.yaml", cast.school)
    assert same == first
    changed = GOOD.replace("statement: Adds", "statement: Adds within 100")
    checked = services.check_framework_file(changed.encode(), "fw.yaml", cast.school)
    assert checked.ok and checked.action == "new_version"
    second = services.import_framework(changed.encode(), "fw.yaml", cast.school)
    assert second.version == 2
    assert Objective.objects.get(subject__framework=first, code="M2").statement == "Adds"
    adopted = SchoolFramework.objects.filter(school=cast.school, framework__code="test-fw")
    assert list(adopted.values_list("framework__version", flat=True)) == [2]


BAD_FILES = [
    ("empty", b"", "fw.yaml", ["The file is empty."]),
    ("blank", b"  \n\n", "fw.csv", ["The file is empty."]),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "fw.yaml", ["not a text file"]),
    ("not utf-8", "code: caf\xe9\n".encode("latin-1"), "fw.yaml", ["Line 1", "UTF-8"]),
    ("huge", b"# " + b"x" * (transfer.MAX_BYTES + 10), "fw.yaml", ["larger than 1024 KB"]),
    ("wrong type", b"hello", "fw.txt", ["Upload a .yaml, .yml or .csv file."]),
    ("malformed yaml", b"code: x\nstages: [\n  - a: b\n", "fw.yaml", ["not valid YAML"]),
    ("a list", b"- 1\n- 2\n", "fw.yaml", ["Line 1: The file must describe one framework"]),
    (
        "unknown scale",
        GOOD.replace("judgement_scale: nydsm", "judgement_scale: nope").encode(),
        "fw.yaml",
        ["Unknown scale 'nope'"],
    ),
    (
        "duplicate code",
        GOOD.replace("code: M2", "code: M1").encode(),
        "fw.yaml",
        ["Line 14: The objective code 'M1' is used twice in Maths (first on line 12)."],
    ),
    (
        "missing statement",
        GOOD.replace("statement: Adds}", "statement: ''}").encode(),
        "fw.yaml",
        ["Line 14: The statement is missing."],
    ),
    (
        "unknown stage",
        GOOD.replace("code: M3, stage: B", "code: M3, stage: Z").encode(),
        "fw.yaml",
        ["Line 15: Unknown stage 'Z': the stages are A, B."],
    ),
    (
        "bad key flag",
        GOOD.replace("key: true", "key: perhaps").encode(),
        "fw.yaml",
        ["Line 12: key must be yes or no, not 'perhaps'."],
    ),
    (
        "shipped code",
        GOOD.replace("code: test-fw", "code: england-primary").encode(),
        "fw.yaml",
        ["belongs to a framework your school does not own"],
    ),
    (
        "csv without header",
        b"framework,x\nname,X\n",
        "fw.csv",
        ["No objectives found"],
    ),
    (
        "csv unknown setting and stage",
        (
            b"framework,test-bad\nname,Bad\njudgement_scale,rag\nsummary_scale,rag\n"
            b"stage,S1,Step 1,\ncolour,red\n"
            b"subject,strand,stage,code,statement\n"
            b"eng,Attendance,S9,E1,Comes in\n"
            b"eng,Attendance,S1,E2,\n"
        ),
        "fw.csv",
        [
            "Line 6: 'colour' is not a framework setting",
            "Line 8: Unknown stage 'S9'",
            "Line 9: The statement is missing.",
        ],
    ),
]


@pytest.mark.parametrize("label, content, name, messages", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_with_clear_messages_and_nothing_written(
    cast, label, content, name, messages
):
    before = table_counts()
    with pytest.raises(FrameworkFileError) as refused:
        services.import_framework(content, name, cast.school, by=cast.leader)
    report = "\n".join(str(p) for p in refused.value.problems)
    for message in messages:
        assert message in report, report
    assert table_counts() == before


def test_every_problem_is_reported_at_once(cast):
    bad = GOOD.replace("code: M2", "code: M1").replace("stage: B", "stage: Z")
    checked = services.check_framework_file(bad.encode(), "fw.yaml", cast.school)
    assert len(checked.problems) == 2 and not checked.ok


def test_a_failure_while_building_leaves_nothing_behind(cast):
    """A spec that passed the checks but breaks a database rule (a strand name too long for
    its column) rolls the whole framework back."""
    spec = transfer.check_spec(yaml.safe_load(GOOD)).spec
    spec["subjects"][0]["strands"].append("x" * 150)
    spec["subjects"][0]["objectives"][1]["strand"] = "x" * 150
    before = table_counts()
    with pytest.raises(Exception):  # noqa: B017 (any database-level refusal will do)
        transfer.build(spec, school=cast.school)
    assert table_counts() == before
