"""The shipped assessment definitions: the facts, their installation for new and existing
schools, and that installing again never undoes a school's own tuning."""

import importlib
from decimal import Decimal as D
from pathlib import Path

import yaml
from django.apps import apps

from nextsteps.curriculum.models import Scale
from nextsteps.results.definitions import install_definitions, shipped
from nextsteps.results.models import AssessmentDefinition, Expectation, Kind
from nextsteps.schools import services
from nextsteps.schools.models import School

CURRICULUM = Path(__file__).resolve().parents[2] / "nextsteps" / "curriculum" / "data"


def curriculum_subject_codes() -> set[str]:
    codes = set()
    for path in CURRICULUM.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        codes |= {s["code"] for s in data.get("subjects", [])}
    return codes


def test_shipped_list_is_consistent():
    specs = shipped()
    codes = [s["code"] for s in specs]
    assert len(codes) == len(set(codes))
    subjects = curriculum_subject_codes()
    for spec in specs:
        assert spec.get("subject_code", "") in subjects | {""}, spec["code"]
        parts = [c["code"] for c in spec.get("components", [])]
        assert len(parts) == len(set(parts)), spec["code"]
        for part in spec.get("components", []):
            assert part.get("subject", "") in subjects | {""}, part
        bands = spec["bands"]
        # bands run upwards without gaps or overlaps, open at the ends when unbounded
        for lower, upper in zip(bands, bands[1:], strict=False):
            assert lower["upper"] == upper["lower"], spec["code"]
        order = [Expectation.BELOW, Expectation.AT, Expectation.ABOVE]
        seen = [order.index(b["expectation"]) for b in bands]
        assert seen == sorted(seen) or spec["code"] == "strengths-difficulties", spec["code"]


def codes_for(country) -> set[str]:
    return {s["code"] for s in shipped() if country in s.get("countries", [country])}


def test_each_country_gets_its_own_checks(db):
    scottish = services.create_school(
        name="Burnside Primary", kind=School.Kind.PRIMARY, country=School.Country.SCOTLAND
    )
    got = set(scottish.assessment_definitions.values_list("code", flat=True))
    assert got == codes_for("scotland")
    assert {"cfe-literacy", "cfe-numeracy", "standardised-reading", "dyslexia-screening"} <= got
    assert not got & {"ks2-reading", "phonics-screening-check", "eyfs-profile"}
    welsh = services.create_school(
        name="Ysgol Bryn", kind=School.Kind.PRIMARY, country=School.Country.WALES
    )
    got = set(welsh.assessment_definitions.values_list("code", flat=True))
    assert "reception-baseline" in got and "ks2-maths" not in got and "cfe-literacy" not in got


def test_a_new_school_gets_every_definition_with_the_facts_right(db):
    school = services.create_school(name="Brook Primary", kind=School.Kind.PRIMARY)
    got = {d.code: d for d in AssessmentDefinition.objects.filter(school=school)}
    assert set(got) == codes_for("england")
    assert not set(got) & {"cfe-literacy", "cfe-numeracy"}
    for definition in got.values():
        definition.full_clean()
        for band in definition.bands.all():
            band.full_clean()
        assert definition.shipped

    reading = got["standardised-reading"]
    assert [(b.label, b.lower, b.upper, b.expectation) for b in reading.bands.all()] == [
        ("Below average", None, D(85), "below"),
        ("Average", D(85), D(115), "at"),
        ("Above average", D(115), None, "above"),
    ]
    assert got["standardised-maths"].subject_code == "maths"

    ks2 = got["ks2-reading"]
    assert (ks2.min_score, ks2.max_score, ks2.threshold) == (D(80), D(120), D(100))
    assert [(b.lower, b.upper, b.expectation) for b in ks2.bands.all()] == [
        (D(80), D(100), "below"),
        (D(100), D(110), "at"),
        (D(110), None, "above"),
    ]
    assert ks2.bands.get(order=1).label == "Not yet at the expected standard"
    assert ks2.bands.get(order=3).label == "High score"
    assert got["ks2-maths"].threshold == D(100)

    phonics = got["phonics-screening-check"]
    assert (phonics.kind, phonics.measure, phonics.max_mark, phonics.threshold) == (
        Kind.STATUTORY,
        "raw",
        D(40),
        D(32),
    )
    mtc = got["multiplication-tables-check"]
    assert (mtc.max_mark, mtc.threshold, mtc.bands.count()) == (D(25), None, 0)

    eyfs = got["eyfs-profile"]
    assert eyfs.scale.code == "eyfs"
    assert len(eyfs.components) == 17
    assert {c["subject"] for c in eyfs.components} == {
        "communication",
        "personal",
        "physical",
        "literacy",
        "mathematics",
        "world",
        "arts",
    }

    dyslexia = got["dyslexia-screening"]
    assert (dyslexia.kind, dyslexia.sensitive) == (Kind.DIAGNOSTIC, True)
    assert not any(d.sensitive for code, d in got.items() if code != "dyslexia-screening")
    assert got["strengths-difficulties"].kind == Kind.QUESTIONNAIRE
    assert got["reception-baseline"].kind == Kind.BASELINE


def test_installing_again_adds_only_what_is_missing_and_keeps_tuning(db):
    school = services.create_school(name="Brook Primary", kind=School.Kind.PRIMARY)
    reading = AssessmentDefinition.objects.get(school=school, code="standardised-reading")
    reading.bands.filter(order=1).update(upper=80, label="Well below")
    reading.bands.filter(order=2).update(lower=80)
    AssessmentDefinition.objects.filter(school=school, code="phonics-screening-check").update(
        threshold=31, name="Phonics check (ours)"
    )
    AssessmentDefinition.objects.filter(school=school, code="ks2-maths").delete()
    before = AssessmentDefinition.objects.filter(school=school).count()

    created = install_definitions(school)

    assert [d.code for d in created] == ["ks2-maths"]
    assert AssessmentDefinition.objects.filter(school=school).count() == before + 1
    assert reading.bands.get(order=1).label == "Well below"
    assert reading.bands.get(order=1).upper == D(80)
    phonics = AssessmentDefinition.objects.get(school=school, code="phonics-screening-check")
    assert (phonics.threshold, phonics.name) == (D(31), "Phonics check (ours)")
    assert install_definitions(school) == []


def test_curriculum_for_excellence_levels(db):
    school = services.create_school(
        name="Burnside Primary", kind=School.Kind.PRIMARY, country=School.Country.SCOTLAND
    )
    literacy = school.assessment_definitions.get(code="cfe-literacy")
    assert literacy.scale.code == "cfe-level"
    assert [c["code"] for c in literacy.components] == ["reading", "writing", "listening-talking"]
    assert school.assessment_definitions.get(code="cfe-numeracy").subject_code == "numeracy"


def test_each_school_has_its_own_copy(db):
    one = services.create_school(name="One", kind=School.Kind.PRIMARY)
    two = services.create_school(name="Two", kind=School.Kind.PRIMARY)
    AssessmentDefinition.objects.filter(school=one, code="ks2-reading").update(threshold=101)
    assert AssessmentDefinition.objects.get(school=two, code="ks2-reading").threshold == D(100)


def test_a_missing_scale_leaves_that_definition_for_a_later_run(db):
    Scale.objects.filter(code="eyfs").update(code="eyfs-renamed")
    school = services.create_school(name="Brook Primary", kind=School.Kind.PRIMARY)
    codes = set(school.assessment_definitions.values_list("code", flat=True))
    assert "eyfs-profile" not in codes and "ks2-reading" in codes
    Scale.objects.filter(code="eyfs-renamed").update(code="eyfs")
    assert [d.code for d in install_definitions(school)] == ["eyfs-profile"]


def test_the_migration_installs_for_existing_schools(db):
    school = services.create_school(name="Brook Primary", kind=School.Kind.PRIMARY)
    AssessmentDefinition.objects.filter(school=school).delete()
    migration = importlib.import_module("nextsteps.results.migrations.0002_install_definitions")
    migration.install(apps, None)
    assert school.assessment_definitions.count() == len(codes_for("england"))
