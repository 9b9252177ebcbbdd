"""The shipped scales and frameworks: loaded by the migration, idempotent, and shaped as the
README promises."""

from collections import Counter

import pytest

from nextsteps.curriculum import services
from nextsteps.curriculum.models import Framework, Objective, Scale

pytestmark = pytest.mark.django_db

SHIPPED = ["england-primary", "scotland-cfe", "early-years", "alternative-provision"]


def counts():
    return (Framework.objects.count(), Objective.objects.count(), Scale.objects.count())


def test_the_migration_loaded_every_shipped_framework_and_scale():
    codes = set(Framework.objects.filter(school__isnull=True).values_list("code", flat=True))
    assert set(SHIPPED) <= codes
    scales = set(Scale.objects.values_list("code", flat=True))
    assert {"nydsm", "wts-exs-gds", "cfe-progress", "cfe-level", "eyfs", "rag"} <= scales
    assert {"points-1-9", "points-0-10"} <= scales


def test_loading_again_changes_nothing():
    before = counts()
    outcome = services.load_shipped()
    assert set(outcome.values()) == {"unchanged"}
    assert services.load_shipped(refresh=True) == outcome
    assert counts() == before


def test_a_framework_that_differs_from_its_file_gets_a_new_version_on_refresh():
    england = Framework.objects.get(code="england-primary")
    objective = england.subjects.get(code="maths").objectives.get(code="M3.2")
    services.update_objective(objective, statement="Changed locally")
    outcome = services.load_shipped(refresh=True)
    assert outcome["england-primary"] == "new version"
    latest = Framework.objects.filter(code="england-primary").order_by("-version").first()
    assert latest.version == england.version + 1
    fresh = latest.subjects.get(code="maths").objectives.get(code="M3.2")
    assert fresh.statement != "Changed locally"
    # and the comparison is now with the new version: nothing more happens
    assert services.load_shipped(refresh=True)["england-primary"] == "unchanged"


def grades(code):
    return list(Scale.objects.get(code=code).grades.order_by("order"))


@pytest.mark.parametrize(
    "code, labels, first_secure",
    [
        ("nydsm", ["N", "D", "S", "M"], "S"),
        ("wts-exs-gds", ["BLW", "WTS", "EXS", "GDS"], "EXS"),
        ("cfe-progress", ["DEV", "CON", "SEC"], "SEC"),
        ("eyfs", ["EM", "EXP"], "EXP"),
        ("rag", ["R", "A", "G"], "G"),
        ("points-1-9", [str(n) for n in range(1, 10)], "4"),
        ("points-0-10", [str(n) for n in range(0, 11)], "5"),
    ],
)
def test_scales_are_ordered_with_secure_from_the_expected_grade(code, labels, first_secure):
    scale = grades(code)
    assert [g.short_label for g in scale] == labels
    secure = [g.short_label for g in scale if g.secure]
    assert secure == labels[labels.index(first_secure) :]
    values = [g.value for g in scale]
    assert values == sorted(values)


def test_cfe_levels_are_in_order_and_none_is_secure_on_its_own():
    scale = grades("cfe-level")
    assert [g.label for g in scale][1:] == [
        "Early level",
        "First level",
        "Second level",
        "Third level",
        "Fourth level",
    ]
    assert not any(g.secure for g in scale)


def luminance(colour):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b):
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_shipped_grade_colour_takes_black_or_white_text_at_4_5_to_1():
    for scale in Scale.objects.filter(school__isnull=True).prefetch_related("grades"):
        for grade in scale.grades.all():
            best = max(contrast(grade.colour, "#000000"), contrast(grade.colour, "#ffffff"))
            assert best >= 4.5, f"{scale.code} {grade.label} {grade.colour}: {best:.2f}"


def objectives_of(code):
    return Objective.objects.filter(subject__framework__code=code, subject__framework__version=1)


def test_england_primary_has_reading_writing_maths_for_years_1_to_6_with_key_objectives():
    england = Framework.objects.get(code="england-primary", version=1)
    assert england.judgement_scale.code == "nydsm"
    assert england.summary_scale.code == "wts-exs-gds"
    stages = list(england.stages.values_list("code", "year_stage"))
    assert stages == [(f"Y{n}", n) for n in range(1, 7)]
    assert set(england.subjects.values_list("code", flat=True)) == {"reading", "writing", "maths"}
    strands = set(england.subjects.get(code="maths").strands.values_list("name", flat=True))
    assert {"Number and place value", "Calculation", "Fractions", "Geometry"} <= strands
    per_year = Counter(objectives_of("england-primary").values_list("subject__code", "stage__code"))
    assert len(per_year) == 18
    assert all(6 <= n <= 10 for n in per_year.values()), per_year
    key = Counter(
        objectives_of("england-primary")
        .filter(key=True)
        .values_list("subject__code", "stage__code")
    )
    assert len(key) == 18 and all(n >= 2 for n in key.values())
    for objective in objectives_of("england-primary").filter(key=True):
        assert objective.success_criteria.count() >= 2, objective.code


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_objective_has_a_pupil_statement(code):
    objectives = objectives_of(code)
    assert objectives.exists()
    for objective in objectives:
        assert objective.pupil_statement.startswith("I "), objective.code
        assert objective.statement


def test_scotland_is_by_cfe_level_and_early_years_by_band():
    scotland = Framework.objects.get(code="scotland-cfe", version=1)
    assert list(scotland.stages.values_list("code", flat=True)) == [
        "EARLY",
        "FIRST",
        "SECOND",
        "THIRD",
        "FOURTH",
    ]
    assert scotland.judgement_scale.code == "cfe-progress"
    subjects = set(scotland.subjects.values_list("code", flat=True))
    assert subjects == {"reading", "writing", "listening-talking", "numeracy"}
    early = Framework.objects.get(code="early-years", version=1)
    assert early.judgement_scale.code == "eyfs"
    assert dict(early.stages.values_list("code", "year_stage")) == {"NURSERY": -1, "RECEPTION": 0}
    assert early.subjects.count() == 7
    ap = Framework.objects.get(code="alternative-provision", version=1)
    assert ap.judgement_scale.code == "rag"
    assert ap.subjects.get(code="functional-numeracy").objective_scale().code == "nydsm"
