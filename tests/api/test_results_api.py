"""The results API: assessment definitions and their bands, norm tables, sittings, single
results with versions, the bulk import with its dry run and reconciliation, diagnostic
visibility with its audit trail, and the comparison with teacher judgement. Who may call each
route at all is in test_access.py; these check what the routes do."""

from datetime import date, timedelta

import pytest

from nextsteps.assessment.summary import record_summary
from nextsteps.audit.models import AuditEvent
from nextsteps.results import importing, services
from nextsteps.results.models import AssessmentDefinition, NormTable, Result
from nextsteps.schools import services as school_services
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


def definition(school, code="standardised-reading") -> AssessmentDefinition:
    return AssessmentDefinition.objects.get(school=school, code=code)


def sitting_day(cast) -> date:
    """12 May of the current academic year: Amara is 8 years 7 months (103 months) old then,
    Bartholomew 8 years 10 months (106)."""
    return date(cast.year.start_date.year + 1, 5, 12)


def norm_rows():
    """A made-up table for 8:00 to 9:11: standardised = 70 + 2 x raw, less one for every six
    months over 8 years, for raw scores 0 to 35."""
    return [
        {
            "age_years": age // 12,
            "age_months": age % 12,
            "raw": raw,
            "standardised": 70 + 2 * raw - (age - 96) // 6,
        }
        for age in range(96, 120)
        for raw in range(36)
    ]


@pytest.fixture
def reading(cast):
    """The reading test sat on the test day, converting raw scores through a norm table."""
    table = services.load_norm_table(
        definition(cast.school), rows=norm_rows(), by=cast.leader, name="Spring"
    )
    return services.create_sitting(
        definition(cast.school), date=sitting_day(cast), by=cast.leader, norm_table=table
    )


@pytest.fixture
def screening(cast):
    """A dyslexia screening (diagnostic, so sensitive) with a result for Amara."""
    sitting = services.create_sitting(
        definition(cast.school, "dyslexia-screening"), date=sitting_day(cast), by=cast.senco
    )
    services.record_result(sitting, cast.amara, by=cast.senco, score=78)
    return sitting


def put(api, user, sitting, pupil, body):
    return api.call("PUT", user, f"/sittings/{sitting.pk}/results/{pupil.pk}", body)


def reads(user, pupil):
    return AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=user, pupil=pupil)


# Definitions and bands ------------------------------------------------------------------------


def test_definitions_list_hides_diagnostics_from_those_who_may_not_see_them(api, cast):
    path = f"/schools/{cast.school.pk}/assessment-definitions"
    teachers = {d["code"]: d for d in api.get(cast.teacher, path).json()}
    assert "standardised-reading" in teachers and "phonics-screening-check" in teachers
    assert "dyslexia-screening" not in teachers
    assert "dyslexia-screening" in {d["code"] for d in api.get(cast.senco, path).json()}

    bands = teachers["standardised-reading"]["bands"]
    assert [(b["label"], b["lower"], b["upper"], b["expectation"]) for b in bands] == [
        ("Below average", None, 85.0, "below"),
        ("Average", 85.0, 115.0, "at"),
        ("Above average", 115.0, None, "above"),
    ]
    assert teachers["phonics-screening-check"]["threshold"] == 32.0
    statutory = api.get(cast.teacher, f"{path}?kind=statutory").json()
    assert {d["kind"] for d in statutory} == {"statutory"}
    assert "phonics-screening-check" in {d["code"] for d in statutory}


def test_tuning_bands_and_threshold_rereads_results_and_raises_the_version(api, cast, reading):
    services.record_result(reading, cast.amara, by=cast.leader, raw_score=20)  # 109: Average
    test = definition(cast.school)
    bands = [
        {"label": "Low", "upper": 90, "expectation": "below", "colour": "#ffbf47"},
        {"label": "Typical", "lower": 90, "upper": 105, "expectation": "at", "colour": "#00703c"},
        {"label": "High", "lower": 105, "expectation": "above", "colour": "#1d4f91"},
    ]
    response = api.patch(
        cast.leader,
        f"/assessment-definitions/{test.pk}",
        {"version": test.version, "threshold": 95, "bands": bands},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["threshold"] == 95.0 and body["version"] > test.version
    assert [b["label"] for b in body["bands"]] == ["Low", "Typical", "High"]
    result = Result.objects.get(pupil=cast.amara)
    assert (result.band.label, result.met_threshold) == ("High", True)

    # the same version again is stale: 409 with the test as it is now, and nothing saved
    stale = api.patch(
        cast.leader, f"/assessment-definitions/{test.pk}", {"version": test.version, "name": "X"}
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == body["version"]
    assert stale.json()["current"]["name"] == "Standardised reading test"
    assert definition(cast.school).name == "Standardised reading test"


def test_bad_bands_are_refused_by_field_and_nothing_is_half_saved(api, cast):
    test = definition(cast.school)
    gap = [
        {"label": "Low", "upper": 85, "expectation": "below"},
        {"label": "High", "lower": 90, "expectation": "sideways"},
    ]
    response = api.patch(
        cast.leader,
        f"/assessment-definitions/{test.pk}",
        {"version": test.version, "name": "Renamed", "bands": gap},
    )
    assert response.status_code == 422
    messages = [e["message"] for e in response.json()["errors"] if e["field"] == "bands"]
    assert any("below, at or above" in m for m in messages)
    assert any("must start where band 1 ends" in m for m in messages)
    after = definition(cast.school)
    assert (after.name, after.version, after.bands.count()) == (test.name, test.version, 3)

    empty = api.patch(
        cast.leader, f"/assessment-definitions/{test.pk}", {"version": test.version, "name": None}
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "name"
    off_scale = api.patch(
        cast.leader,
        f"/assessment-definitions/{test.pk}",
        {"version": test.version, "threshold": 200},
    )
    assert off_scale.status_code == 422
    assert off_scale.json()["errors"][0]["field"] == "threshold"


# Norm tables ----------------------------------------------------------------------------------


def test_a_norm_table_loads_from_rows_and_is_read_back(api, cast):
    test = definition(cast.school)
    rows = [
        {"age_years": 8, "age_months": 0, "raw": 10, "standardised": 95},
        {"age_years": 8, "age_months": 0, "raw": 11, "standardised": "97"},
        {"age_years": 8, "age_months": 0, "raw": 12, "standardised": ">140"},
    ]
    response = api.post(
        cast.leader,
        f"/assessment-definitions/{test.pk}/norm-tables",
        {"name": "Spring", "source": "Publisher, 2nd edition, p. 40", "rows": rows},
    )
    assert response.status_code == 201, response.content
    table = response.json()
    assert (table["entry_count"], table["left_out"], table["min_raw"], table["max_raw"]) == (
        2,
        1,
        10.0,
        11.0,
    )
    assert table["uploaded_by"] and table["source"] == "Publisher, 2nd edition, p. 40"

    listed = api.get(cast.teacher, f"/assessment-definitions/{test.pk}/norm-tables").json()
    assert [t["id"] for t in listed] == [table["id"]]
    detail = api.get(cast.teacher, f"/norm-tables/{table['id']}").json()
    assert [(e["age_months"], e["raw_score"], e["standardised"]) for e in detail["entries"]] == [
        (96, 10.0, 95.0),
        (96, 11.0, 97.0),
    ]


def test_a_norm_table_in_the_wide_shape_publishers_print(api, cast):
    test = definition(cast.school)
    content = "Raw score,8:00-8:05,8:06-8:11\n10,95,93\n11,97,<70\n"
    response = api.post(
        cast.leader,
        f"/assessment-definitions/{test.pk}/norm-tables",
        {"filename": "spring.csv", "content": content},
    )
    assert response.status_code == 201, response.content
    # raw 10 at every month of 8:00 to 8:11, raw 11 for 8:00 to 8:05; "<70" left out
    assert (response.json()["entry_count"], response.json()["left_out"]) == (18, 1)
    assert response.json()["name"] == "spring.csv"


def test_a_norm_table_with_problems_reports_each_row_and_loads_nothing(api, cast):
    test = definition(cast.school)
    rows = [
        {"age_years": 8, "age_months": 0, "raw": 10, "standardised": 95},
        {"age_years": 8, "age_months": 13, "raw": 11, "standardised": 96},
        {"age_years": 8, "age_months": 0, "raw": "ten", "standardised": 97},
    ]
    response = api.post(
        cast.leader, f"/assessment-definitions/{test.pk}/norm-tables", {"rows": rows}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["rows.1", "rows.2"]
    assert errors[0]["message"].startswith("Row 2:") and "0 to 11" in errors[0]["message"]
    assert "not a number" in errors[1]["message"]
    assert not NormTable.objects.exists()

    both = api.post(
        cast.leader,
        f"/assessment-definitions/{test.pk}/norm-tables",
        {"rows": rows[:1], "content": "Raw,8:00\n1,90\n"},
    )
    assert both.status_code == 422
    phonics = definition(cast.school, "phonics-screening-check")
    raw_only = api.post(
        cast.leader, f"/assessment-definitions/{phonics.pk}/norm-tables", {"rows": rows[:1]}
    )
    assert raw_only.status_code == 422
    assert "standardised" in raw_only.json()["errors"][0]["message"]
    assert not NormTable.objects.exists()


# Sittings -------------------------------------------------------------------------------------


def test_creating_listing_and_changing_sittings(api, cast):
    test = definition(cast.school)
    table = services.load_norm_table(test, rows=norm_rows(), by=cast.leader)
    point = cast.year.assessment_points.order_by("date").last()
    created = api.post(
        cast.leader,
        f"/schools/{cast.school.pk}/sittings",
        {
            "definition_id": test.pk,
            "date": sitting_day(cast).isoformat(),
            "assessment_point_id": point.pk,
            "norm_table_id": table.pk,
        },
    )
    assert created.status_code == 201, created.content
    sitting = created.json()
    assert sitting["name"] == f"Standardised reading test, May {sitting_day(cast).year}"
    assert (sitting["academic_year_id"], sitting["assessment_point_id"]) == (
        cast.year.pk,
        point.pk,
    )
    assert sitting["norm_table_id"] == table.pk and not sitting["sensitive"]

    listed = api.get(cast.teacher, f"/schools/{cast.school.pk}/sittings?definition_id={test.pk}")
    assert [s["id"] for s in listed.json()] == [sitting["id"]]
    other = definition(cast.school, "standardised-maths").pk
    assert (
        api.get(cast.teacher, f"/schools/{cast.school.pk}/sittings?definition_id={other}").json()
        == []
    )

    renamed = api.patch(
        cast.leader, f"/sittings/{sitting['id']}", {"name": "Reading, May", "norm_table_id": None}
    )
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["norm_table_id"]) == ("Reading, May", None)
    assert api.get(cast.ta, f"/sittings/{sitting['id']}").json()["name"] == "Reading, May"


def test_sitting_inputs_are_checked_by_field(api, cast):
    test = definition(cast.school)
    path = f"/schools/{cast.school.pk}/sittings"
    no_year = api.post(cast.leader, path, {"definition_id": test.pk, "date": "1990-01-01"})
    assert no_year.status_code == 422 and no_year.json()["errors"][0]["field"] == "date"

    maths_table = services.load_norm_table(
        definition(cast.school, "standardised-maths"), rows=norm_rows(), by=cast.leader
    )
    body = {"definition_id": test.pk, "date": sitting_day(cast).isoformat()}
    wrong_table = api.post(cast.leader, path, {**body, "norm_table_id": maths_table.pk})
    assert wrong_table.status_code == 404
    assert wrong_table.json()["errors"][0]["field"] == "norm_table_id"
    hub_point = cast.hub_year.assessment_points.first()
    wrong_point = api.post(cast.leader, path, {**body, "assessment_point_id": hub_point.pk})
    assert wrong_point.json()["errors"][0]["field"] == "assessment_point_id"
    # another school's test is not found
    hub_test = definition(cast.hub)
    elsewhere = api.post(cast.leader, path, {**body, "definition_id": hub_test.pk})
    assert elsewhere.status_code == 404
    assert elsewhere.json()["errors"][0]["field"] == "definition_id"
    off_scale = api.post(cast.leader, path, {**body, "threshold": 300})
    assert off_scale.status_code == 422 and off_scale.json()["errors"][0]["field"] == "threshold"


def test_a_new_pass_mark_remarks_the_sittings_results(api, cast):
    phonics = services.create_sitting(
        definition(cast.school, "phonics-screening-check"), date=sitting_day(cast), by=cast.leader
    )
    services.record_result(phonics, cast.amara, by=cast.teacher, raw_score=30)
    results = api.get(cast.teacher, f"/sittings/{phonics.pk}/results").json()
    assert [(r["score"], r["met_threshold"]) for r in results] == [(30.0, False)]
    changed = api.patch(cast.leader, f"/sittings/{phonics.pk}", {"threshold": 28})
    assert changed.json()["pass_mark"] == 28.0
    results = api.get(cast.teacher, f"/sittings/{phonics.pk}/results").json()
    assert [(r["score"], r["met_threshold"]) for r in results] == [(30.0, True)]


# One result at a time -------------------------------------------------------------------------


def test_a_raw_score_is_converted_and_a_stale_version_is_refused(api, cast, reading):
    first = put(api, cast.teacher, reading, cast.amara, {"version": 0, "raw_score": 20})
    assert first.status_code == 200, first.content
    result = first.json()
    # 103 months old: 70 + 2 x 20 - 1 = 109, percentile 73, an average band
    assert (result["score"], result["age_months"], result["percentile"]) == (109.0, 103, 73)
    assert result["band"]["label"] == "Average" and result["band"]["expectation"] == "at"
    assert (result["version"], result["source"], result["pupil_name"]) == (
        1,
        "api",
        "Amara Okonkwo-Test",
    )
    created = AuditEvent.objects.get(model="results.result", action=AuditEvent.Action.CREATE)
    assert created.actor == cast.teacher and created.source.startswith("API PUT")

    second = put(api, cast.leader, reading, cast.amara, {"version": 1, "raw_score": 5})
    assert second.json()["version"] == 2 and second.json()["score"] == 79.0

    # the teacher still holds version 1: nothing is saved, and the answer says what is there
    stale = put(api, cast.teacher, reading, cast.amara, {"version": 1, "raw_score": 25})
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2 and body["current"]["score"] == 79.0
    assert "changed this result" in body["detail"]
    # an empty cell that was filled meanwhile is stale too
    again = put(api, cast.teacher, reading, cast.amara, {"version": 0, "score": 100})
    assert again.status_code == 409
    assert Result.objects.get(pupil=cast.amara).score == 79


def test_entries_the_test_cannot_take_are_refused_by_field(api, cast, reading):
    def field_of(body):
        response = put(api, cast.teacher, reading, cast.amara, {"version": 0, **body})
        assert response.status_code == 422, response.content
        return response.json()["errors"][0]["field"]

    assert field_of({"score": 150}) == "score"  # standardised scores run 55 to 145
    assert field_of({"raw_score": 40}) == "raw_score"  # beyond the norm table
    assert field_of({"score": "99.999"}) == "score"
    assert field_of({"grade_id": 1}) == "grade_id"  # not a graded test
    assert field_of({}) == "raw_score"  # nothing entered
    assert not Result.objects.exists()

    last_year = services.create_sitting(
        definition(cast.school), date=cast.last_year.start_date + timedelta(days=40), by=cast.head
    )
    # Zebedee joined this year: he was not on roll when last year's test was sat
    response = put(api, cast.head, last_year, cast.zebedee, {"version": 0, "score": 100})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "pupil"


def test_clearing_a_result_needs_the_current_version(api, cast, reading):
    services.record_result(reading, cast.amara, by=cast.teacher, raw_score=20)
    services.record_result(reading, cast.amara, by=cast.leader, raw_score=21)  # version 2
    path = f"/sittings/{reading.pk}/results/{cast.amara.pk}"
    stale = api.delete(cast.teacher, f"{path}?version=1")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Result.objects.filter(pupil=cast.amara).exists()

    assert api.delete(cast.teacher, f"{path}?version=2").status_code == 204
    assert not Result.objects.filter(pupil=cast.amara).exists()
    deleted = AuditEvent.objects.get(model="results.result", action=AuditEvent.Action.DELETE)
    assert deleted.actor == cast.teacher
    # clearing an empty cell does nothing, and a missing version is an error
    assert api.delete(cast.teacher, f"{path}?version=0").status_code == 204
    assert api.delete(cast.teacher, path).status_code == 422


def test_each_teacher_sees_the_results_of_their_own_class(api, cast, reading):
    for pupil, raw in ((cast.amara, 20), (cast.bartholomew, 5), (cast.zebedee, 30)):
        services.record_result(reading, pupil, by=cast.head, raw_score=raw)
    path = f"/sittings/{reading.pk}/results"

    def names(user, query=""):
        return [r["pupil_name"] for r in api.get(user, path + query).json()]

    assert names(cast.teacher) == ["Amara Okonkwo-Test", "Bartholomew Quillfeather"]
    assert names(cast.other_teacher) == ["Zebedee Marchbanks"]
    assert len(names(cast.head)) == 3
    assert names(cast.head, f"?class_id={cast.ash.pk}") == ["Zebedee Marchbanks"]
    refused = api.get(cast.teacher, f"{path}?class_id={cast.ash.pk}")
    assert refused.status_code == 404 and refused.json()["errors"][0]["field"] == "class_id"


# Diagnostic results -------------------------------------------------------------------------


def test_diagnostic_results_are_invisible_to_a_class_teacher(api, cast, screening):
    assert api.get(cast.teacher, f"/sittings/{screening.pk}").status_code == 404
    assert api.get(cast.teacher, f"/sittings/{screening.pk}/results").status_code == 404
    recording = put(api, cast.teacher, screening, cast.amara, {"version": 1, "score": 90})
    assert recording.status_code == 404
    own = api.get(cast.teacher, f"/pupils/{cast.amara.pk}/results").json()
    assert own == []
    parent = api.get(cast.parent, f"/pupils/{cast.amara.pk}/results").json()
    assert parent == []
    listed = api.get(cast.teacher, f"/schools/{cast.school.pk}/sittings").json()
    assert screening.pk not in {s["id"] for s in listed}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.READ).exists()


def test_the_inclusion_manager_sees_diagnostic_results_and_each_read_is_logged(
    api, cast, screening
):
    results = api.get(cast.senco, f"/sittings/{screening.pk}/results").json()
    assert [(r["pupil_name"], r["score"], r["sensitive"]) for r in results] == [
        ("Amara Okonkwo-Test", 78.0, True)
    ]
    assert results[0]["band"]["label"] == "Indication of difficulty"
    logged = reads(cast.senco, cast.amara).get()
    assert "Dyslexia screening" in logged.what and logged.school == cast.school

    profile = api.get(cast.senco, f"/pupils/{cast.amara.pk}/results").json()
    assert [r["definition"] for r in profile] == ["Dyslexia screening"]
    assert reads(cast.senco, cast.amara).count() == 2
    # the head reads them too, and is logged as well
    assert len(api.get(cast.head, f"/pupils/{cast.amara.pk}/results").json()) == 1
    assert reads(cast.head, cast.amara).count() == 1


def test_the_placing_provider_sees_a_placed_pupils_screening(api, cast):
    sitting = services.create_sitting(
        definition(cast.hub, "dyslexia-screening"),
        date=cast.hub_year.start_date + timedelta(days=30),
        by=cast.ap_head,
    )
    services.record_result(sitting, cast.priya, by=cast.ap_head, score=80)
    seen = api.get(cast.provider, f"/pupils/{cast.priya.pk}/results").json()
    assert [(r["definition"], r["score"]) for r in seen] == [("Dyslexia screening", 80.0)]
    assert reads(cast.provider, cast.priya).count() == 1
    # the provider reads it through the pupil; the centre's sittings are for its staff, and
    # its diagnostic ones are not even confirmed to exist
    assert api.get(cast.provider, f"/sittings/{sitting.pk}").status_code == 404
    reading = services.create_sitting(
        definition(cast.hub), date=cast.hub_year.start_date + timedelta(days=30), by=cast.ap_head
    )
    assert api.get(cast.provider, f"/sittings/{reading.pk}").status_code == 403
    assert api.get(cast.other_provider, f"/pupils/{cast.priya.pk}/results").status_code == 404


# Importing results ----------------------------------------------------------------------------


def import_rows(cast):
    return [
        {"upn": cast.amara.upn, "raw_score": 20, "age_at_test": "8:07"},
        {
            "first_name": "BARTHOLOMEW",
            "last_name": "quillfeather",
            "date_of_birth": cast.bartholomew.date_of_birth.strftime("%d/%m/%Y"),
            "raw_score": "5",
        },
        # Zebedee's name with the wrong birthday: nobody matches, so a choice is needed
        {"name": "Marchbanks, Zebedee", "date_of_birth": "2010-01-01", "score": 101},
    ]


def test_a_dry_run_returns_the_reconciliation_and_writes_nothing(api, cast, reading):
    api.token(cast.leader)  # issuing the token is itself logged
    events = AuditEvent.objects.count()
    response = api.post(
        cast.leader,
        f"/sittings/{reading.pk}/results/import",
        {"dry_run": True, "rows": import_rows(cast)},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["committed"]) == (True, False)
    summary = body["summary"]
    assert (summary["rows"], summary["create"], summary["choose"], summary["unmatched"]) == (
        3,
        2,
        1,
        1,
    )
    amara, bart, stranger = body["rows"]
    assert (amara["status"], amara["how"], amara["pupil"]["id"]) == ("create", "upn", cast.amara.pk)
    assert amara["result"] == {
        "raw_score": "20",
        "score": "109",
        "age_months": 103,
        "percentile": 73,
        "band": "Average",
        "met_threshold": None,
    }
    assert amara["warnings"] == []  # the file's age at test agrees with NextSteps'
    assert (bart["status"], bart["how"], bart["pupil"]["id"]) == (
        "create",
        "name",
        cast.bartholomew.pk,
    )
    assert bart["result"]["band"] == "Below average"
    assert (stranger["status"], stranger["why"], stranger["pupil"]) == ("choose", "unmatched", None)
    assert stranger["candidates"][0]["id"] == cast.zebedee.pk
    assert stranger["candidates"][0]["name"] == "Zebedee Marchbanks"

    assert not Result.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_commit_waits_for_every_choice_then_writes_everything(api, cast, reading):
    path = f"/sittings/{reading.pk}/results/import"
    rows = import_rows(cast)
    undecided = api.post(cast.leader, path, {"dry_run": False, "rows": rows})
    assert undecided.status_code == 200
    assert undecided.json()["committed"] is False
    assert "matched nobody or several" in undecided.json()["detail"]
    assert not Result.objects.exists()

    done = api.post(
        cast.leader,
        path,
        {"dry_run": False, "rows": rows, "choices": {"3": cast.zebedee.pk}},
    )
    body = done.json()
    assert body["committed"] is True, body
    assert [(r["status"], r["pupil"]["id"]) for r in body["rows"]] == [
        ("create", cast.amara.pk),
        ("create", cast.bartholomew.pk),
        ("create", cast.zebedee.pk),
    ]
    assert body["rows"][2]["how"] == "chosen"
    stored = dict(Result.objects.values_list("pupil_id", "score"))
    assert stored == {cast.amara.pk: 109, cast.bartholomew.pk: 79, cast.zebedee.pk: 101}
    assert set(Result.objects.values_list("source", flat=True)) == {"import"}
    creations = AuditEvent.objects.filter(model="results.result", action="create")
    assert creations.count() == 3 and {e.actor for e in creations} == {cast.leader}

    # the same rows again change nothing
    again = api.post(
        cast.leader, path, {"dry_run": False, "rows": rows, "choices": {"3": cast.zebedee.pk}}
    ).json()
    assert again["committed"] and again["summary"]["unchanged"] == 3
    assert set(Result.objects.values_list("version", flat=True)) == {1}


def test_two_pupils_of_one_name_and_birthday_need_a_choice_or_a_skip(api, cast, reading):
    twin = school_services.create_pupil(
        legal_first_name="Bartholomew",
        legal_last_name="Quillfeather",
        date_of_birth=cast.bartholomew.date_of_birth,
        sex="M",
    )
    school_services.enrol_pupil(
        twin, cast.school, cast.y3, academic_year=cast.year, start_date=cast.year.start_date
    )
    path = f"/sittings/{reading.pk}/results/import"
    rows = import_rows(cast)[:2]
    checked = api.post(cast.leader, path, {"rows": rows}).json()
    row = checked["rows"][1]
    assert (row["status"], row["why"]) == ("choose", "ambiguous")
    assert sorted(c["id"] for c in row["candidates"]) == sorted([cast.bartholomew.pk, twin.pk])
    assert checked["summary"]["ambiguous"] == 1

    skipped = api.post(
        cast.leader, path, {"dry_run": False, "rows": rows, "choices": {"2": "skip"}}
    ).json()
    assert skipped["committed"] and [r["status"] for r in skipped["rows"]] == ["create", "skip"]
    assert list(Result.objects.values_list("pupil_id", flat=True)) == [cast.amara.pk]


def test_rows_with_errors_are_written_only_when_left_out_on_purpose(api, cast, reading):
    path = f"/sittings/{reading.pk}/results/import"
    rows = [
        {"upn": cast.amara.upn, "score": "abs"},
        {"upn": cast.bartholomew.upn, "score": 200},
        {
            "name": "Zebedee Marchbanks",
            "date_of_birth": cast.zebedee.date_of_birth.isoformat(),
            "score": 99,
        },
    ]
    first = api.post(cast.head, path, {"dry_run": False, "rows": rows}).json()
    assert first["committed"] is False and "2 row(s) have errors" in first["detail"]
    absent, off_scale, fine = first["rows"]
    assert absent["status"] == "error" and "absent" in absent["errors"][0]["message"]
    assert off_scale["errors"][0]["column"].startswith("Standardised score")
    assert fine["status"] == "create"
    assert not Result.objects.exists()

    second = api.post(
        cast.head, path, {"dry_run": False, "rows": rows, "leave_out_errors": True}
    ).json()
    assert second["committed"] is True
    assert list(Result.objects.values_list("pupil_id", flat=True)) == [cast.zebedee.pk]


def test_a_failure_part_way_through_the_commit_writes_nothing(api, cast, reading, monkeypatch):
    write = importing._write

    def write_then_fail(*args, **kwargs):
        write(*args, **kwargs)
        assert Result.objects.count() == 2  # written, inside the import's transaction
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(importing, "_write", write_then_fail)
    rows = import_rows(cast)[:2]
    with pytest.raises(RuntimeError):
        api.post(
            cast.leader,
            f"/sittings/{reading.pk}/results/import",
            {"dry_run": False, "rows": rows},
        )
    assert not Result.objects.exists()
    assert not AuditEvent.objects.filter(model="results.result").exists()


def test_a_teacher_imports_only_for_pupils_they_may_see(api, cast, reading):
    path = f"/sittings/{reading.pk}/results/import"
    rows = import_rows(cast)
    checked = api.post(cast.teacher, path, {"rows": rows}).json()
    stranger = checked["rows"][2]
    assert stranger["status"] == "choose"
    assert cast.zebedee.pk not in {c["id"] for c in stranger["candidates"]}
    # choosing a pupil outside the teacher's class is refused for that row
    sneaky = api.post(
        cast.teacher,
        path,
        {"dry_run": False, "rows": rows, "choices": {"3": cast.zebedee.pk}},
    ).json()
    assert sneaky["committed"] is False and sneaky["rows"][2]["status"] == "error"
    assert not Result.objects.exists()


def test_malformed_imports_are_refused_with_the_field(api, cast, reading):
    path = f"/sittings/{reading.pk}/results/import"
    unknown = api.post(cast.leader, path, {"rows": [{"upn": cast.amara.upn, "mark": 3}]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "rows.0.mark"
    bad_choice = api.post(
        cast.leader, path, {"rows": [{"upn": cast.amara.upn, "score": 90}], "choices": {"1": "x"}}
    )
    assert bad_choice.status_code == 422
    assert bad_choice.json()["errors"][0]["field"] == "choices"
    same_line = api.post(
        cast.leader,
        path,
        {"rows": [{"line": 2, "upn": cast.amara.upn}, {"line": 2, "upn": cast.amara.upn}]},
    )
    assert same_line.status_code == 422 and same_line.json()["errors"][0]["field"] == "rows"
    assert api.post(cast.leader, path, {"rows": []}).status_code == 422

    profile = services.create_sitting(
        definition(cast.school, "eyfs-profile"), date=sitting_day(cast), by=cast.leader
    )
    graded = api.post(
        cast.leader, f"/sittings/{profile.pk}/results/import", {"rows": [{"upn": "x"}]}
    )
    assert graded.status_code == 422 and "grid" in graded.json()["errors"][0]["message"]


def test_file_line_numbers_are_kept_for_choices(api, cast, reading):
    rows = [{**row, "line": n} for row, n in zip(import_rows(cast), (7, 8, 9), strict=True)]
    path = f"/sittings/{reading.pk}/results/import"
    checked = api.post(cast.leader, path, {"rows": rows}).json()
    assert [r["line"] for r in checked["rows"]] == [7, 8, 9]
    done = api.post(
        cast.leader, path, {"dry_run": False, "rows": rows, "choices": {"9": "skip"}}
    ).json()
    assert done["committed"] and done["rows"][2]["status"] == "skip"
    assert Result.objects.count() == 2


# Tests beside teacher judgement -------------------------------------------------------------


@pytest.fixture
def compared(cast):
    """Maths at the spring point: Amara's test reads below expected, Bartholomew's at, and
    the teacher judged both at expected (EXS). Zebedee, in Year 4, has neither."""
    maths = build_maths(cast.school)
    point = cast.year.assessment_points.order_by("date")[1]
    sitting = services.create_sitting(
        definition(cast.school, "standardised-maths"),
        date=point.date,
        by=cast.leader,
        assessment_point=point,
    )
    services.record_result(sitting, cast.amara, by=cast.teacher, score=78)
    services.record_result(sitting, cast.bartholomew, by=cast.teacher, score=100)
    expected = maths.summary.grades.get(short_label="EXS")
    for pupil in (cast.amara, cast.bartholomew):
        record_summary(pupil, maths.maths, point, expected, by=cast.teacher)
    return maths, point


def cell(matrix, test, teacher):
    return next(c for c in matrix["cells"] if (c["test"], c["teacher"]) == (test, teacher))


def test_a_class_comparison_counts_agreement_and_lists_who_disagrees(api, cast, compared):
    maths, point = compared
    query = f"class_id={cast.oak.pk}&subject_id={maths.maths.pk}&point_id={point.pk}"
    response = api.get(cast.teacher, f"/comparison?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["scope"], body["target"]["name"], body["point"]["id"]) == (
        "class",
        "3 Oak",
        point.pk,
    )
    matrix = body["matrix"]
    assert (matrix["compared"], matrix["agree"], matrix["disagree"]) == (2, 1, 1)
    assert (matrix["teacher_higher"], matrix["test_higher"], matrix["agree_percent"]) == (1, 0, 50)
    assert cell(matrix, "below", "at")["count"] == 1 and cell(matrix, "at", "at")["count"] == 1
    assert len(matrix["cells"]) == 9 and body["breakdowns"] == []
    [amara] = body["disagreements"]
    assert (amara["pupil_id"], amara["steps"], amara["direction"]) == (
        cast.amara.pk,
        1,
        "teacher higher than test",
    )
    assert amara["test"]["band"] == "Below average" and amara["test"]["linked"] is True
    assert amara["teacher"]["short"] == "EXS"
    assert [p["name"] for p in body["pupils"]] == ["Amara Okonkwo-Test", "Bartholomew Quillfeather"]


def test_a_school_comparison_breaks_down_by_year_group_and_class(api, cast, compared):
    maths, point = compared
    query = f"school_id={cast.school.pk}&subject_id={maths.maths.pk}&point_id={point.pk}"
    body = api.get(cast.leader, f"/comparison?{query}").json()
    assert (body["matrix"]["pupils"], body["matrix"]["compared"], body["matrix"]["neither"]) == (
        3,
        2,
        1,
    )
    by = {b["by"]: {g["name"]: g["matrix"] for g in b["groups"]} for b in body["breakdowns"]}
    assert set(by) == {"year_group", "class"}
    assert by["class"]["3 Oak"]["compared"] == 2 and by["class"]["4 Ash"]["neither"] == 1
    year_three = by["year_group"][cast.y3.name]
    assert (year_three["agree"], year_three["disagree"]) == (1, 1)


def test_a_comparison_names_what_is_wrong_with_the_question(api, cast, compared):
    maths, point = compared
    subject = f"subject_id={maths.maths.pk}&point_id={point.pk}"
    neither = api.get(cast.leader, f"/comparison?{subject}")
    assert neither.status_code == 422
    both = api.get(
        cast.leader, f"/comparison?school_id={cast.school.pk}&class_id={cast.oak.pk}&{subject}"
    )
    assert both.status_code == 422
    last_year_point = cast.last_year.assessment_points.first()
    old_point = api.get(
        cast.teacher,
        f"/comparison?class_id={cast.oak.pk}&subject_id={maths.maths.pk}&point_id={last_year_point.pk}",
    )
    assert old_point.status_code == 404 and old_point.json()["errors"][0]["field"] == "point_id"
    no_subject = api.get(
        cast.leader,
        f"/comparison?school_id={cast.hub.pk}&subject_id={maths.maths.pk}&point_id={point.pk}",
    )
    # the leader cannot see the hub at all
    assert no_subject.status_code == 404
    hub_subject = api.get(
        cast.ap_head,
        f"/comparison?school_id={cast.hub.pk}&subject_id={maths.maths.pk}&point_id={point.pk}",
    )
    assert hub_subject.status_code == 404
    assert hub_subject.json()["errors"][0]["field"] == "subject_id"


def test_no_two_api_schemas_share_a_name():
    """The OpenAPI schema names its components after the classes; two of one name would
    silently describe one route's body with the other's."""
    import importlib
    import pkgutil

    from ninja import Schema

    import nextsteps.api

    seen: dict[str, str] = {}
    clashes = []
    for info in pkgutil.iter_modules(nextsteps.api.__path__):
        module = importlib.import_module(f"nextsteps.api.{info.name}")
        for name, value in vars(module).items():
            if not (isinstance(value, type) and issubclass(value, Schema)):
                continue
            if value.__module__ != module.__name__:
                continue
            if name in seen:
                clashes.append(f"{name} in {seen[name]} and {module.__name__}")
            seen[name] = module.__name__
    assert not clashes


def test_bands_alone_can_be_tuned_and_an_empty_change_changes_nothing(api, cast):
    test = definition(cast.school)
    path = f"/assessment-definitions/{test.pk}"
    nothing = api.patch(cast.leader, path, {"version": test.version})
    assert nothing.status_code == 200 and nothing.json()["version"] == test.version
    two = [
        {"label": "Below", "upper": 100, "expectation": "below", "colour": "#ffbf47"},
        {"label": "At or above", "lower": 100, "expectation": "at", "colour": "#00703c"},
    ]
    tuned = api.patch(cast.leader, path, {"version": test.version, "bands": two}).json()
    assert [b["label"] for b in tuned["bands"]] == ["Below", "At or above"]
    assert tuned["version"] == test.version + 1
