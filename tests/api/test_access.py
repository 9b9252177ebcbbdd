"""Every API route, called by a role allowed to use it and refused to outsiders (teacher of
another class, another parent, another provider, the pupil, a governor where it matters, the
head of another school) without a pupil's name in the refusal. Anonymous calls get 401."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from nextsteps.assessment.lessons import create_lesson
from nextsteps.schools import services
from nextsteps.schools.models import Role
from tests.tracking.api_cast import tracking_ids

from .conftest import assert_no_pupil_names

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    method: str
    path: str  # formatted with the cast's objects
    allowed: str
    ok: int
    refused: dict = field(default_factory=dict)  # user -> 403 or 404
    body: object = None  # dict, or a function of the cast

    @property
    def key(self):
        return (self.method, self.path)


def today():
    return timezone.localdate().isoformat()


CASES = [
    Case("GET", "/schools", "head", 200),
    Case("GET", "/schools/{school}", "parent", 200, {"other_provider": 404, "ap_head": 404}),
    Case("GET", "/schools/{school}/years", "teacher", 200, {"parent": 403, "ap_head": 404}),
    Case(
        "POST",
        "/schools/{school}/years",
        "leader",
        201,
        {"teacher": 403, "governor": 403, "ap_head": 404, "provider": 404},
        lambda c: {"start_year": c.year.start_date.year + 1},
    ),
    Case("GET", "/years/{year}/terms", "ta", 200, {"parent": 403, "ap_head": 404}),
    Case(
        "GET", "/years/{year}/assessment-points", "governor", 200, {"pupil": 403, "provider": 404}
    ),
    Case("GET", "/schools/{school}/year-groups", "teacher", 200, {"parent": 403, "ap_head": 404}),
    Case(
        "PATCH",
        "/year-groups/{y3}",
        "leader",
        200,
        {"teacher": 403, "ap_head": 404},
        {"name": "Year Three"},
    ),
    Case("GET", "/schools/{school}/classes", "head", 200, {"parent": 403, "ap_head": 404}),
    Case(
        "POST",
        "/schools/{school}/classes",
        "leader",
        201,
        {"teacher": 403, "governor": 403, "ap_head": 404},
        lambda c: {"name": "5 Birch", "academic_year_id": c.year.pk},
    ),
    Case(
        "GET",
        "/classes/{oak}",
        "teacher",
        200,
        {"other_teacher": 404, "parent": 404, "governor": 404, "ap_head": 404},
    ),
    Case(
        "POST",
        "/classes/{oak}/staff",
        "head",
        200,
        {"teacher": 403, "other_teacher": 404, "ap_head": 404},
        lambda c: {"user_id": c.other_teacher.pk, "kind": "ta"},
    ),
    Case(
        "DELETE",
        "/classes/{oak}/staff/{ta_user}",
        "leader",
        204,
        {"teacher": 403, "other_teacher": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/schools/{school}/roles",
        "head",
        200,
        {"leader": 403, "governor": 403, "ap_head": 404},
    ),
    Case(
        "POST",
        "/schools/{school}/roles",
        "head",
        201,
        {"leader": 403, "teacher": 403, "ap_head": 404},
        {"email": "ap_head@example.org", "kind": "teaching_assistant"},
    ),
    Case("DELETE", "/roles/{governor_role}", "head", 204, {"leader": 403, "ap_head": 404}),
    Case("GET", "/pupils", "teacher", 200),
    Case(
        "POST",
        "/pupils",
        "head",
        201,
        {"teacher": 403, "governor": 403, "ap_head": 404, "parent": 403, "other_provider": 404},
        lambda c: {
            "legal_first_name": "Neve",
            "legal_last_name": "Newcombe",
            "date_of_birth": "2018-03-04",
            "sex": "F",
            "school_id": c.school.pk,
            "year_group_id": c.y3.pk,
        },
    ),
    Case(
        "GET",
        "/pupils/{bartholomew}",
        "teacher",
        200,
        {
            "other_teacher": 404,
            "governor": 404,
            "parent": 404,
            "other_parent": 404,
            "pupil": 404,
            "provider": 404,
            "ap_head": 404,
        },
    ),
    Case(
        "PATCH",
        "/pupils/{bartholomew}",
        "head",
        200,
        {"teacher": 403, "other_teacher": 404, "parent": 404, "governor": 404},
        lambda c: {"version": c.bartholomew.version, "preferred_first_name": "Bart"},
    ),
    Case(
        "POST",
        "/pupils/{bartholomew}/characteristics",
        "senco",
        200,
        {"teacher": 403, "ta": 403, "other_teacher": 404, "other_provider": 404},
        {"kind": "eal", "value": "Y"},
    ),
    Case(
        "GET",
        "/pupils/{bartholomew}/enrolments",
        "ta",
        200,
        {"other_teacher": 404, "other_parent": 404, "governor": 404},
    ),
    Case(
        "POST",
        "/pupils/{bartholomew}/enrolments",
        "leader",
        201,
        {"teacher": 403, "other_provider": 404, "ap_head": 404},
        lambda c: {"school_id": c.school.pk, "year_group_id": c.y4.pk, "class_id": c.ash.pk},
    ),
    Case(
        "POST",
        "/pupils/{bartholomew}/leave",
        "head",
        200,
        {"teacher": 403, "governor": 404, "other_parent": 404},
        lambda c: {"school_id": c.school.pk, "reason": "Moved away"},
    ),
    Case("GET", "/schools/{school}/groups", "teacher", 200, {"parent": 403, "ap_head": 404}),
    Case(
        "POST",
        "/schools/{school}/groups",
        "teacher",
        201,
        {"ta": 403, "governor": 403, "ap_head": 404},
        {"name": "Phonics catch-up", "kind": "intervention"},
    ),
    Case("GET", "/groups/{group}", "governor", 200, {"parent": 403, "ap_head": 404}),
    Case(
        "POST",
        "/groups/{group}/members",
        "teacher",
        200,
        {"ta": 403, "other_teacher": 404, "ap_head": 404},
        lambda c: {"pupil_id": c.amara.pk},
    ),
    Case(
        "DELETE",
        "/groups/{group}/members/{bartholomew}",
        "teacher",
        204,
        {"ta": 403, "other_teacher": 404, "governor": 403},
    ),
    Case(
        "GET",
        "/pupils/{amara}/guardians",
        "teacher",
        200,
        {"parent": 403, "pupil": 403, "other_parent": 404, "other_teacher": 404},
    ),
    Case(
        "POST",
        "/pupils/{amara}/guardians",
        "senco",
        201,
        {"teacher": 403, "parent": 403, "other_teacher": 404, "governor": 404},
        {"name": "Obi Okonkwo", "relationship": "Father", "phone": "01632 960000"},
    ),
    Case(
        "PATCH",
        "/guardians/{amara_guardian}",
        "head",
        200,
        {"teacher": 403, "parent": 403, "other_parent": 404, "other_teacher": 404},
        {"phone": "01632 960001"},
    ),
    Case("GET", "/providers", "provider", 200),
    Case("GET", "/providers/{north}", "provider", 200, {"other_provider": 404, "parent": 404}),
    Case(
        "POST",
        "/providers",
        "ap_head",
        201,
        {"teacher": 403, "provider": 403, "parent": 403},
        {"name": "Eastfield Virtual School", "kind": "virtual_school"},
    ),
    Case(
        "PATCH",
        "/providers/{north}",
        "ap_head",
        200,
        {"teacher": 403, "provider": 403, "other_provider": 404, "parent": 404},
        {"phone": "01632 960123"},
    ),
    Case("GET", "/placements", "provider", 200),
    Case(
        "GET",
        "/placements/{priya_placement}",
        "provider",
        200,
        {"other_provider": 404, "head": 404, "parent": 404},
    ),
    Case(
        "POST",
        "/placements",
        "ap_head",
        201,
        {"provider": 403, "other_provider": 403, "head": 404, "teacher": 404},
        lambda c: {
            "pupil_id": c.priya.pk,
            "provider_id": c.south.pk,
            "school_id": c.hub.pk,
            "start_date": today(),
        },
    ),
    Case(
        "PATCH",
        "/placements/{priya_placement}",
        "ap_head",
        200,
        {"provider": 403, "other_provider": 404, "head": 404},
        lambda c: {"end_date": (timezone.localdate() + timedelta(days=30)).isoformat()},
    ),
    Case("GET", "/scales", "parent", 200),
    Case("GET", "/frameworks", "teacher", 200),
    # the test framework is a shared one (no owning school): everyone signed in may read it;
    # a school's own framework is hidden from others (tests/api/test_judgements.py)
    Case("GET", "/frameworks/{framework}", "teacher", 200),
    Case("GET", "/subjects/{maths}/objectives", "ta", 200),
    Case("GET", "/frameworks/{framework}/export?format=csv", "leader", 200),
    Case(
        "POST",
        "/schools/{school}/frameworks/import",
        "leader",
        200,
        {"teacher": 403, "senco": 403, "ap_head": 404, "parent": 403},
        lambda c: {"filename": "f.yaml", "content": "code: x\n", "dry_run": True},
    ),
    Case(
        "POST",
        "/frameworks/{own_framework}/objectives",
        "leader",
        201,
        {"teacher": 403, "parent": 403, "ap_head": 404},
        lambda c: {
            "strand_id": c.own.subjects.get().strands.get().pk,
            "stage_id": c.own.stages.get(code="Y3").pk,
            "code": "MY3.9",
            "statement": "Count in fours",
        },
    ),
    Case(
        "PATCH",
        "/objectives/{own_objective}",
        "leader",
        200,
        {"teacher": 403, "parent": 403, "ap_head": 404},
        {"statement": "Reworded", "success_criteria": ["one", "two"]},
    ),
    Case(
        "POST",
        "/objectives/{own_objective}/move",
        "head",
        200,
        {"teacher": 403, "ap_head": 404},
        {"direction": "down"},
    ),
    Case("POST", "/objectives/{own_objective}/retire", "leader", 200, {"ta": 403, "ap_head": 404}),
    Case("POST", "/objectives/{own_objective}/restore", "leader", 200, {"ta": 403, "ap_head": 404}),
    Case(
        "GET",
        "/pupils/{amara}/working-stages",
        "parent",
        200,
        {"other_parent": 404, "other_teacher": 404, "governor": 404},
    ),
    Case(
        "POST",
        "/pupils/{amara}/working-stages",
        "teacher",
        201,
        {"parent": 403, "trust_staff": 403, "other_teacher": 404},
        lambda c: {
            "subject_id": c.maths.maths.pk,
            "stage_id": c.maths.y3.pk,
            "since": today(),
            "reason": "Working on Year 3 number",
        },
    ),
    Case(
        "GET",
        "/pupils/{amara}/judgements",
        "parent",
        200,
        {"other_teacher": 404, "other_parent": 404, "provider": 404, "governor": 404},
    ),
    Case(
        "GET",
        "/classes/{oak}/judgements",
        "teacher",
        200,
        {"other_teacher": 404, "parent": 404, "governor": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/pupils/{amara}/objectives/{objective}/history",
        "teacher",
        200,
        {"other_teacher": 404, "other_parent": 404, "ap_head": 404},
    ),
    Case(
        "POST",
        "/judgements",
        "ta",
        201,
        {"parent": 403, "pupil": 403, "other_teacher": 404, "governor": 404, "provider": 404},
        lambda c: {
            "pupil_id": c.amara.pk,
            "objective_id": c.maths.objectives[0].pk,
            "grade_id": c.maths.grades["S"].pk,
            "expected_judgement_id": None,
        },
    ),
    Case(
        "GET",
        "/classes/{oak}/lessons",
        "ta",
        200,
        {"other_teacher": 404, "parent": 404, "governor": 404},
    ),
    Case(
        "POST",
        "/classes/{oak}/lessons",
        "teacher",
        201,
        {"trust_staff": 403, "other_teacher": 404, "parent": 404},
        lambda c: {"date": today(), "learning_intention": "To compare fractions"},
    ),
    Case("GET", "/lessons/{lesson}", "teacher", 200, {"other_teacher": 404, "pupil": 404}),
    Case(
        "POST",
        "/lessons/{lesson}/feedback",
        "ta",
        201,
        {"trust_staff": 403, "other_teacher": 404, "parent": 404},
        lambda c: {"pupil_id": c.amara.pk, "kind": "teacher", "light": "green"},
    ),
    Case(
        "GET",
        "/pupils/{amara}/conversations",
        "teacher",
        200,
        {"parent": 403, "pupil": 403, "other_teacher": 404, "provider": 404},
    ),
    Case(
        "POST",
        "/pupils/{amara}/conversations",
        "teacher",
        201,
        {"parent": 403, "trust_staff": 403, "other_teacher": 404},
        lambda c: {
            "date": today(),
            "went_well": "Explained the method",
            "next_steps": "Use bar models",
        },
    ),
    Case(
        "GET",
        "/classes/{oak}/summaries?subject_id={maths}&point_id={point}",
        "teacher",
        200,
        {"other_teacher": 404, "parent": 404},
    ),
    Case(
        "POST",
        "/summaries",
        "teacher",
        201,
        {"parent": 403, "trust_staff": 403, "other_teacher": 404},
        lambda c: {
            "pupil_id": c.amara.pk,
            "subject_id": c.maths.maths.pk,
            "point_id": c.year.assessment_points.order_by("date").first().pk,
            "grade_id": c.maths.summary.grades.get(short_label="EXS").pk,
        },
    ),
    Case(
        "POST",
        "/assessment-points/{point}/lock",
        "leader",
        200,
        {"teacher": 403, "ap_head": 404, "parent": 404},
    ),
    Case(
        "DELETE",
        "/assessment-points/{point}/lock",
        "leader",
        200,
        {"teacher": 403, "ap_head": 404},
    ),
    Case(
        "GET",
        "/pupils/{amara}/next-steps",
        "parent",
        200,
        {"other_parent": 404, "other_teacher": 404, "governor": 404},
    ),
    Case(
        "POST",
        "/judgements/bulk",
        "teacher",
        200,
        {},
        lambda c: {
            "items": [
                {
                    "pupil_id": c.amara.pk,
                    "objective_id": c.maths.objectives[1].pk,
                    "grade_id": c.maths.grades["D"].pk,
                    "expected_judgement_id": None,
                }
            ]
        },
    ),
]


# Tests and results ---------------------------------------------------------------------------


def _reading_version(cast) -> int:
    from nextsteps.results.models import AssessmentDefinition

    return AssessmentDefinition.objects.get(school=cast.school, code="standardised-reading").version


CASES += [
    Case(
        "GET",
        "/schools/{school}/assessment-definitions",
        "teacher",
        200,
        {"governor": 403, "parent": 403, "provider": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/assessment-definitions/{reading}",
        "ta",
        200,
        {"governor": 403, "parent": 403, "ap_head": 404},
    ),
    # a diagnostic screening is not found by those who may not see diagnostics
    Case(
        "GET",
        "/assessment-definitions/{screening}",
        "senco",
        200,
        {"teacher": 404, "ta": 404, "trust_staff": 404, "governor": 404, "parent": 404},
    ),
    Case(
        "PATCH",
        "/assessment-definitions/{reading}",
        "leader",
        200,
        {"teacher": 403, "senco": 403, "parent": 403, "ap_head": 404},
        lambda c: {"version": _reading_version(c), "threshold": 90},
    ),
    Case(
        "GET",
        "/assessment-definitions/{reading}/norm-tables",
        "teacher",
        200,
        {"parent": 403, "governor": 403, "ap_head": 404},
    ),
    Case(
        "POST",
        "/assessment-definitions/{reading}/norm-tables",
        "leader",
        201,
        {"teacher": 403, "senco": 403, "parent": 403, "ap_head": 404},
        {
            "name": "Spring",
            "rows": [{"age_years": 8, "age_months": 0, "raw": 10, "standardised": 96}],
        },
    ),
    Case("GET", "/norm-tables/{norm_table}", "leader", 200, {"governor": 403, "ap_head": 404}),
    Case(
        "GET",
        "/schools/{school}/sittings",
        "ta",
        200,
        {"governor": 403, "parent": 403, "provider": 404, "ap_head": 404},
    ),
    Case(
        "POST",
        "/schools/{school}/sittings",
        "leader",
        201,
        {"teacher": 403, "senco": 403, "governor": 403, "ap_head": 404},
        lambda c: {"definition_id": _results_ids(c)["reading"], "date": today()},
    ),
    Case(
        "GET",
        "/sittings/{sitting}",
        "teacher",
        200,
        {"governor": 403, "other_parent": 403, "ap_head": 404},
    ),
    Case(
        "GET",
        "/sittings/{screening_sitting}",
        "head",
        200,
        {"teacher": 404, "ta": 404, "trust_staff": 404, "parent": 404},
    ),
    Case(
        "PATCH",
        "/sittings/{sitting}",
        "leader",
        200,
        {"teacher": 403, "parent": 403, "ap_head": 404},
        {"name": "Reading, renamed"},
    ),
    Case(
        "GET",
        "/sittings/{sitting}/results",
        "teacher",
        200,
        {"governor": 403, "parent": 403, "pupil": 403, "ap_head": 404, "provider": 404},
    ),
    Case(
        "GET",
        "/sittings/{screening_sitting}/results",
        "senco",
        200,
        {"teacher": 404, "ta": 404, "parent": 404, "governor": 404},
    ),
    Case(
        "PUT",
        "/sittings/{sitting}/results/{amara}",
        "teacher",
        200,
        {"ta": 403, "other_teacher": 404, "governor": 403, "parent": 403, "ap_head": 404},
        {"version": 1, "score": 110},
    ),
    Case(
        "DELETE",
        "/sittings/{sitting}/results/{amara}?version=1",
        "leader",
        204,
        {"ta": 403, "other_teacher": 404, "parent": 403, "ap_head": 404},
    ),
    Case(
        "POST",
        "/sittings/{sitting}/results/import",
        "teacher",
        200,
        {"ta": 403, "governor": 403, "parent": 403, "trust_staff": 403, "ap_head": 404},
        lambda c: {"dry_run": True, "rows": [{"upn": c.amara.upn, "score": 101}]},
    ),
    Case(
        "GET",
        "/pupils/{amara}/results",
        "parent",
        200,
        {"other_parent": 404, "other_teacher": 404, "governor": 404, "provider": 404},
    ),
    Case(
        "GET",
        "/comparison?class_id={oak}&subject_id={maths}&point_id={point}",
        "teacher",
        200,
        {"other_teacher": 404, "parent": 404, "governor": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/comparison?school_id={school}&subject_id={maths}&point_id={point}",
        "leader",
        200,
        {"teacher": 403, "governor": 403, "parent": 403, "ap_head": 404},
    ),
    # Targets and tracking
    Case(
        "GET",
        "/pupils/{amara}/targets",
        "teacher",
        200,
        {"parent": 403, "pupil": 403, "other_teacher": 404, "governor": 404, "provider": 404},
    ),
    Case(
        "POST",
        "/pupils/{amara}/targets",
        "leader",
        201,
        {"teacher": 403, "senco": 403, "parent": 403, "other_teacher": 404, "ap_head": 404},
        lambda c: {
            "subject_id": c.maths.maths.pk,
            "grade_id": c.maths.summary.grades.get(short_label="EXS").pk,
            "expected_target_id": None,
        },
    ),
    Case(
        "GET",
        "/year-groups/{y3}/targets?subject_id={maths}",
        "leader",
        200,
        {"teacher": 403, "senco": 403, "governor": 403, "ap_head": 404, "parent": 404},
    ),
    Case(
        "POST",
        "/year-groups/{y3}/targets",
        "head",
        200,
        {"teacher": 403, "ta": 403, "ap_head": 404, "provider": 404},
        lambda c: {
            "subject_id": c.maths.maths.pk,
            "items": [
                {
                    "pupil_id": c.amara.pk,
                    "grade_id": c.maths.summary.grades.get(short_label="EXS").pk,
                    "expected_target_id": None,
                }
            ],
        },
    ),
    Case(
        "GET",
        "/classes/{oak}/on-track",
        "teacher",
        200,
        {"other_teacher": 404, "parent": 404, "governor": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/pupils/{amara}/on-track",
        "ta",
        200,
        {"parent": 403, "pupil": 403, "other_teacher": 404, "governor": 404},
    ),
    Case(
        "GET",
        "/pupils/{amara}/goals",
        "teacher",
        200,
        {"parent": 403, "pupil": 403, "other_parent": 404, "other_teacher": 404},
    ),
    Case(
        "POST",
        "/pupils/{amara}/goals",
        "ta",
        201,
        {"parent": 403, "trust_staff": 403, "other_teacher": 404, "governor": 404},
        {"kind": "literacy", "text": "I can use full stops"},
    ),
    Case(
        "PATCH",
        "/goals/{goal}",
        "teacher",
        200,
        {"parent": 403, "trust_staff": 403, "other_teacher": 404, "other_parent": 404},
        {"version": 1, "status": "working"},
    ),
    Case(
        "GET",
        "/pupils/{amara}/milestones",
        "senco",
        200,
        {"pupil": 403, "other_parent": 404, "other_teacher": 404},
    ),
    Case(
        "POST",
        "/pupils/{amara}/milestones",
        "teacher",
        201,
        {"parent": 403, "trust_staff": 403, "other_teacher": 404},
        lambda c: {
            "subject_id": c.maths.maths.pk,
            "description": "Counts in fours",
            "objective_ids": [c.maths.objectives[1].pk],
            "start_date": today(),
            "due_date": (timezone.localdate() + timedelta(days=40)).isoformat(),
        },
    ),
    Case(
        "PATCH",
        "/milestones/{milestone}",
        "teacher",
        200,
        {"trust_staff": 403, "parent": 403, "other_teacher": 404},
        lambda c: {"version": 1, "achieved_at": today()},
    ),
    Case(
        "GET",
        "/schools/{school}/staff-targets",
        "teacher",
        200,
        {"governor": 403, "trust_staff": 403, "parent": 403, "ap_head": 404},
    ),
    Case(
        "POST",
        "/schools/{school}/staff-targets",
        "teacher",
        201,
        {"governor": 403, "parent": 403, "ap_head": 404},
        {"text": "Check phonics groups weekly"},
    ),
    Case(
        "PATCH",
        "/staff-targets/{staff_target}",
        "teacher",
        200,
        {"other_teacher": 404, "ta": 404, "governor": 404, "parent": 404},
        {"version": 1, "status": "working"},
    ),
    Case(
        "GET",
        "/schools/{school}/tracking-rule",
        "governor",
        200,
        {"parent": 403, "ap_head": 404},
    ),
    Case(
        "GET",
        "/analysis/help?class_id={oak}",
        "teacher",
        200,
        {"other_teacher": 404, "parent": 404, "governor": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/analysis/attainment?school_id={school}&subject_id={maths}&point_id={point}",
        "governor",
        200,
        {"teacher": 403, "parent": 404, "ap_head": 404, "provider": 404},
    ),
    Case(
        "GET",
        "/analysis/transition?year_group_id={y3}&subject_id={maths}&point_id={point}"
        "&from_point_id={point}",
        "leader",
        200,
        {"ta": 403, "pupil": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/analysis/progress?class_id={oak}&subject_id={maths}&point_id={point}",
        "teacher",
        200,
        {"other_teacher": 404, "governor": 404, "parent": 404, "pupil": 404, "ap_head": 404},
    ),
    Case(
        "GET",
        "/trusts/{trust}/attainment?subject_code=maths&start_year=2000",
        "trust_staff",
        200,
        {"head": 403, "governor": 403, "parent": 404, "provider": 404},
    ),
]


def _results_ids(cast) -> dict:
    """A reading sitting and a dyslexia screening, each with a result for Amara, and a norm
    table for the reading test (made once per cast)."""
    if "results_ids" in cast.objects:
        return cast.objects["results_ids"]
    from nextsteps.results import services as results
    from nextsteps.results.models import AssessmentDefinition

    reading = AssessmentDefinition.objects.get(school=cast.school, code="standardised-reading")
    screening = AssessmentDefinition.objects.get(school=cast.school, code="dyslexia-screening")
    day = timezone.localdate()
    sitting = results.create_sitting(reading, date=day, by=cast.leader)
    results.record_result(sitting, cast.amara, by=cast.leader, score=104)
    check = results.create_sitting(screening, date=day, by=cast.senco)
    results.record_result(check, cast.amara, by=cast.senco, score=82)
    table = results.load_norm_table(
        reading,
        rows=[{"age_years": 8, "age_months": 0, "raw": 10, "standardised": 95}],
        by=cast.leader,
    )
    cast.objects["results_ids"] = {
        "reading": reading.pk,
        "screening": screening.pk,
        "sitting": sitting.pk,
        "screening_sitting": check.pk,
        "norm_table": table.pk,
    }
    return cast.objects["results_ids"]


def _ids(cast) -> dict:
    from nextsteps.curriculum.services import adopt_framework, copy_for_school
    from tests.curriculum_cast import build_maths

    cast.objects["maths"] = build_maths(cast.school)
    cast.objects["own"] = copy_for_school(cast.maths.framework, cast.school, by=cast.head)
    adopt_framework(cast.school, cast.maths.framework)  # keep the shared one in use too
    group = services.create_group(cast.school, "Reading focus", "focus")
    services.add_to_group(group, cast.bartholomew)
    return {
        "school": cast.school.pk,
        "year": cast.year.pk,
        "y3": cast.y3.pk,
        "oak": cast.oak.pk,
        "ta_user": cast.ta.pk,
        "governor_role": Role.objects.get(user=cast.governor).pk,
        "bartholomew": cast.bartholomew.pk,
        "amara": cast.amara.pk,
        "group": group.pk,
        "amara_guardian": cast.amara.guardians.get().pk,
        "north": cast.north.pk,
        "trust": cast.trust.pk,
        "priya_placement": cast.priya.placements.get().pk,
        "framework": cast.maths.framework.pk,
        "maths": cast.maths.maths.pk,
        "objective": cast.maths.objectives[0].pk,
        "lesson": create_lesson(
            cast.oak, date=timezone.localdate(), learning_intention="To add", by=cast.teacher
        ).pk,
        "point": cast.year.assessment_points.order_by("date").first().pk,
        "own_framework": cast.own.pk,
        "own_objective": cast.own.subjects.get().objectives.order_by("order").first().pk,
        **_results_ids(cast),
        **tracking_ids(cast),
    }


def check_case(api, cast, case, ids: dict) -> None:
    """Call a case's route anonymously (401), as each outsider (their refusal, with no hidden
    pupil's name in the answer) and as the role allowed (its success). `ids` fills the path.
    The feature modules' cases (tests/<feature>/api_cases.py) are run through this too."""
    case = Case(**case) if isinstance(case, dict) else case
    path = case.path.format(**ids)
    body = case.body(cast) if callable(case.body) else case.body
    if case.method in {"POST", "PATCH", "PUT"} and body is None:
        body = {}

    anonymous = api.call(case.method, None, path, body)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"]
    for who, status in case.refused.items():
        response = api.call(case.method, getattr(cast, who), path, body)
        assert response.status_code == status, (who, response.content)
        assert_no_pupil_names(response)

    response = api.call(case.method, getattr(cast, case.allowed), path, body)
    assert response.status_code == case.ok, response.content


def covered_routes(cases) -> set:
    """(METHOD, path with every {parameter} as {}) for each case."""

    def shape(path):
        return "/".join("{}" if part.startswith("{") else part for part in path.split("/"))

    cases = [Case(**c) if isinstance(c, dict) else c for c in cases]
    return {(c.method, shape("/api/v1" + c.path.split("?")[0])) for c in cases}


def table_routes(routes) -> set:
    """The same shape for the (METHOD, path) keys of a route-access table."""
    return covered_routes([Case(method, path[len("/api/v1") :], "", 0) for method, path in routes])


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_route_allows_its_roles_and_refuses_outsiders(api, cast, case):
    check_case(api, cast, case, _ids(cast))


def _feature_cases() -> list:
    """The cases kept beside their features (tests/<feature>/api_cases.py, each run by its
    own test module in the shape of the test above)."""
    import importlib
    import pathlib

    found = []
    for path in sorted(pathlib.Path(__file__).parent.parent.glob("*/api_cases.py")):
        cases = importlib.import_module(f"tests.{path.parent.name}.api_cases").CASES
        found += [Case(**c) if isinstance(c, dict) else c for c in cases]
    return found


def test_every_route_in_the_schema_has_a_case(openapi_schema):
    covered = {(c.method, "/api/v1" + c.path.split("?")[0]) for c in CASES + _feature_cases()}
    normalised = set()
    for method, path in covered:
        parts = ["{}" if part.startswith("{") else part for part in path.split("/")]
        normalised.add((method, "/".join(parts)))
    for path, operations in openapi_schema["paths"].items():
        parts = ["{}" if part.startswith("{") else part for part in path.split("/")]
        for method in operations:
            assert (method.upper(), "/".join(parts)) in normalised, (method, path)
