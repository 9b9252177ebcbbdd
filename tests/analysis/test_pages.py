"""The analysis pages, API and CSV export give the same figures; governors see no names;
who needs help says why."""

import csv
import io

import pytest
from django.urls import reverse

from nextsteps.analysis import help as needs_help

pytestmark = pytest.mark.django_db


def _query(oak_maths):
    return {"subject": oak_maths.subject.pk, "point": oak_maths.point.pk}


def test_page_api_and_csv_agree(cast, oak_maths, login):
    client = login(cast.head)
    url = reverse("analysis:attainment", args=["class", cast.oak.pk])
    page = client.get(url, _query(oak_maths))
    assert page.status_code == 200
    exported = client.get(url, {**_query(oak_maths), "format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    api = client.get(
        "/api/v1/analysis/attainment",
        {
            "class_id": cast.oak.pk,
            "subject_id": oak_maths.subject.pk,
            "point_id": oak_maths.point.pk,
        },
    ).json()
    for row in api["rows"]:
        line = body[row["label"]]
        assert line[header.index("Pupils")] == str(row["pupils"])
        assert line[header.index("At or above expected (n)")] == str(row["expected"])
        got = line[header.index("At or above expected (%)")]
        assert got == ("" if row["expected_percent"] is None else str(row["expected_percent"]))
    everyone = next(r for r in api["rows"] if r["group"] == "all")
    assert (everyone["pupils"], everyone["expected"], everyone["expected_percent"]) == (6, 3, 60)
    assert "3 of 5" in page.content.decode()  # the chart's text alternative


def test_governors_see_figures_without_names(cast, oak_maths, login):
    client = login(cast.governor)
    url = reverse("analysis:attainment", args=["school", cast.school.pk])
    body = client.get(url, _query(oak_maths)).content.decode()
    assert "Fewer than 5 pupils" in body
    for name in ("Okonkwo", "Quillfeather", "Extra0", "Marchbanks"):
        assert name not in body
    drill = reverse("analysis:attainment_pupils", args=["school", cast.school.pk])
    assert client.get(drill, _query(oak_maths)).status_code == 403
    api = client.get(
        "/api/v1/analysis/attainment",
        {
            "school_id": cast.school.pk,
            "subject_id": oak_maths.subject.pk,
            "point_id": oak_maths.point.pk,
        },
    )
    assert api.status_code == 200 and api.json()["anonymised"]
    assert "Okonkwo" not in api.content.decode()


def test_drill_down_lists_the_pupils_behind_a_figure(cast, oak_maths, login):
    client = login(cast.teacher)
    url = reverse("analysis:attainment_pupils", args=["class", cast.oak.pk])
    body = client.get(
        url, {**_query(oak_maths), "group": "boys", "column": oak_maths.grades["WTS"].pk}
    ).content.decode()
    assert "Quillfeather" in body and "Okonkwo" not in body


def test_who_needs_help_says_why(cast, oak_maths, login):
    from nextsteps.assessment.summary import record_summary

    later = cast.year.assessment_points.order_by("date")[1]
    record_summary(cast.amara, oak_maths.subject, later, oak_maths.grades["WTS"], by=cast.leader)
    cast.school.settings = {"analysis": {"quiet_weeks": 3}}
    cast.school.save()
    entries = needs_help.who_needs_help(cast.teacher, cast.school, needs_help_pupils(cast))
    by_pupil = {e.pupil.pk: e for e in entries}
    falling = [r for r in by_pupil[cast.amara.pk].reasons if r.kind == "falling"]
    assert falling and "down from EXS" in falling[0].text
    assert needs_help.settings_for(cast.school)["quiet_weeks"] == 3
    page = login(cast.teacher).get(reverse("analysis:help", args=["class", cast.oak.pk]))
    assert "down from EXS" in page.content.decode()
    api = login(cast.teacher).get("/api/v1/analysis/help", {"class_id": cast.oak.pk}).json()
    assert any(
        r["kind"] == "falling" for e in api if e["pupil_id"] == cast.amara.pk for r in e["reasons"]
    )


def needs_help_pupils(cast):
    from nextsteps.analysis.access import class_scope

    return class_scope(cast.teacher, cast.oak.pk).pupils_now()


def test_settings_out_of_range_give_the_default(cast):
    cast.school.settings = {"analysis": {"quiet_weeks": 0, "falling_weeks": "x"}}
    assert needs_help.settings_for(cast.school) == needs_help.DEFAULTS


def test_governors_see_tests_beside_teacher_judgement_as_counts_only(cast, oak_maths, login):
    """The same comparison as staff see, but no names, no list of who disagrees, and no
    cell of fewer than five pupils."""
    from nextsteps.results import services as results
    from nextsteps.results.models import AssessmentDefinition

    definition = AssessmentDefinition.objects.get(school=cast.school, code="standardised-maths")
    sitting = results.create_sitting(
        definition, date=oak_maths.point.date, by=cast.leader, assessment_point=oak_maths.point
    )
    judged = [cast.amara, cast.bartholomew, *oak_maths.extra[:3]]
    url = reverse("analysis:attainment", args=["school", cast.school.pk])
    client = login(cast.governor)
    for pupil in judged[:4]:
        results.record_result(sitting, pupil, by=cast.leader, score=100)
    body = client.get(url, _query(oak_maths)).content.decode()
    assert "Tests beside teacher judgement" in body
    assert "Fewer than 5 pupils have both a test and a summary judgement" in body
    results.record_result(sitting, judged[4], by=cast.leader, score=100)
    body = client.get(url, _query(oak_maths)).content.decode()
    # every test reads "at expected"; teachers: 2 at (EXS), 2 below (WTS), 1 above (GDS)
    assert "5 pupils compared; 2 agree (40%)" in body
    assert "fewer than 5" in body
    for name in ("Okonkwo", "Quillfeather", "Extra0", "Marchbanks", "Amara"):
        assert name not in body
    staff = login(cast.head).get(url, _query(oak_maths)).content.decode()
    assert "5 pupils compared; 2 agree (40%)" in staff
    assert "Quillfeather" in staff  # staff see who disagrees


def test_the_progress_figures_from_the_api_match_the_page(cast, oak_maths, login):
    client = login(cast.head)
    figure = {"subject_id": oak_maths.subject.pk, "point_id": oak_maths.point.pk}
    api = client.get("/api/v1/analysis/progress", {**figure, "year_group_id": cast.y3.pk})
    assert api.status_code == 200
    body = api.json()
    assert not body["anonymised"]
    this_point = next(t for t in body["trend"] if t["point_id"] == oak_maths.point.pk)
    # 3 Oak is Year 3: EXS, EXS and GDS of 5 judged are at or above expected
    assert (this_point["judged"], this_point["expected"], this_point["percent"]) == (5, 3, 60)
    statuses = {row["status"] for row in body["against_target"]}
    assert {"on_track", "off_track"} <= statuses
    governor = login(cast.governor).get(
        "/api/v1/analysis/progress", {**figure, "school_id": cast.school.pk}
    )
    assert governor.status_code == 200
    anonymous = governor.json()
    assert anonymous["anonymised"] and anonymous["against_target"] is None
    gap = next(g for g in anonymous["gap"] if g["point_id"] == oak_maths.point.pk)
    assert gap["small"] and gap["disadvantaged"] is None  # Amara alone
