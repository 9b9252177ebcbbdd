"""The inclusion manager's list on real tracking data: pupils not on track with no plan, split
by the SEN register; pupils on the register with no plan; overdue reviews; the pupils who are
fine left off; the class filter; a class teacher sees only their class; the same through the
API; and a fixed number of queries however many pupils."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.schools import services as schools
from nextsteps.support import access, queries, services
from nextsteps.support.models import Plan
from nextsteps.tracking import on_track, targets
from nextsteps.tracking.rule import OFF_TRACK, ON_TRACK
from tests.tracking.conftest import build_ladder, judge, moment, points_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(cast):
    """Year 3 pupils in 3 Oak, each with an EXS maths target, judged by the summer point (the
    list is read the day after it): some secure in every key objective (on track), some in two
    of nine (off track)."""
    ladder = build_ladder(cast.school)
    summer = points_of(cast.year)[-1]
    day = summer.date + timedelta(days=1)
    before = summer.date - timedelta(days=3)

    def pupil(name, secure, sen=None):
        p = schools.create_pupil(
            legal_first_name=name,
            legal_last_name="Pupil",
            date_of_birth=cast.amara.date_of_birth,
            sex="F",
        )
        schools.enrol_pupil(
            p,
            cast.school,
            cast.y3,
            school_class=cast.oak,
            academic_year=cast.year,
            start_date=cast.year.start_date,
        )
        targets.set_target(
            p,
            ladder.maths,
            cast.year,
            ladder.summary["EXS"],
            by=cast.leader,
            reason="Agreed",
            at=moment(cast.year.start_date + timedelta(days=7)),
        )
        judge(p, ladder.key[3][:secure], ladder.grades["S"], before)
        judge(p, ladder.key[3][secure:], ladder.grades["D"], before)
        if sen:
            schools.set_characteristic(p, "sen", sen, start_date=cast.year.start_date)
        return p

    made = {
        "behind": pupil("Behind", 2),
        "behind_sen": pupil("BehindSen", 2, "K"),
        "behind_planned": pupil("BehindPlanned", 2),
        "fine_sen": pupil("FineSen", 9, "E"),
        "fine_overdue": pupil("FineOverdue", 9),
        "fine": pupil("Fine", 9),
    }
    for key, review in (("behind_planned", day + timedelta(days=10)), ("fine_overdue", day)):
        services.open_plan(
            made[key],
            school=cast.school,
            kind=Plan.Kind.SUPPORT_PLAN,
            title=f"Plan for {key}",
            owner=cast.teacher,
            start_date=cast.year.start_date,
            review_date=review - timedelta(days=1) if key == "fine_overdue" else review,
        )
    return cast, ladder, summer, day, made


def test_the_cohort_is_as_described(cohort):
    cast, ladder, summer, day, made = cohort
    results = on_track.statuses(list(made.values()), [ladder.maths], [summer], today=day)
    status = {p: results[(made[p].pk, ladder.maths.pk, summer.pk)].status for p in made}
    assert status == {
        "behind": OFF_TRACK,
        "behind_sen": OFF_TRACK,
        "behind_planned": OFF_TRACK,
        "fine_sen": ON_TRACK,
        "fine_overdue": ON_TRACK,
        "fine": ON_TRACK,
    }


def test_each_pupil_is_listed_for_the_right_reason(cohort):
    cast, ladder, summer, day, made = cohort
    pupils = [*made.values(), cast.bartholomew, cast.amara]
    found = queries.inclusion_list(cast.school, pupils, today=day)
    kinds = {e.pupil.pk: e.kinds for e in found.entries}
    assert kinds == {
        made["behind"].pk: [queries.NO_PLAN],
        made["behind_sen"].pk: [queries.SEN_NOT_ON_TRACK],
        made["fine_sen"].pk: [queries.SEN_NO_PLAN],
        made["fine_overdue"].pk: [queries.REVIEW_OVERDUE],
        cast.bartholomew.pk: [queries.SEN_NO_PLAN],  # K, not judged in maths, no plan
    }
    assert found.point == summer and found.pupils == 8
    entry = next(e for e in found.entries if e.pupil == made["behind"])
    assert entry.reasons == [
        "Not on track at summer in Mathematics (off track); no open plan and not on the SEN "
        "register: agree a support plan, and consider SEN if quality first teaching and "
        "interventions have not worked."
    ]
    assert [e.pupil for e in found.entries][:2] == [made["behind"], made["behind_sen"]]
    assert found.counts == {
        queries.NO_PLAN: 1,
        queries.SEN_NOT_ON_TRACK: 1,
        queries.SEN_NO_PLAN: 2,
        queries.REVIEW_OVERDUE: 1,
    }
    overdue = next(e for e in found.entries if e.pupil == made["fine_overdue"])
    assert "review was due" in overdue.reasons[0] and "(1 day ago)" in overdue.reasons[0]


def test_an_alerts_action_plan_counts_as_a_plan(cohort):
    cast, ladder, summer, day, made = cohort
    services.open_action_plan(
        made["behind"],
        school=cast.school,
        owner=cast.teacher,
        review_date=day + timedelta(days=14),
        title="Action plan: off track",
        reason="Off track in maths",
    )
    found = queries.inclusion_list(cast.school, [made["behind"]], today=day)
    assert found.entries == []


def test_a_fixed_number_of_queries_however_many_pupils(cohort):
    cast, ladder, summer, day, made = cohort
    few = list(made.values())[:2]
    with CaptureQueriesContext(connection) as small:
        queries.inclusion_list(cast.school, few, today=day)
    with CaptureQueriesContext(connection) as large:
        queries.inclusion_list(cast.school, list(made.values()), today=day)
    assert len(large) == len(small)


def test_the_page_filters_by_class_and_a_teacher_sees_their_class(cohort, login, monkeypatch):
    cast, ladder, summer, day, made = cohort
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    body = login(cast.senco).get(reverse("support:index")).content.decode()
    assert "Pupil, Behind" in body and "Pupil, FineOverdue" in body
    assert "Pupil, Fine</a>" not in body
    body = login(cast.senco).get(reverse("support:index"), {"class": cast.ash.pk}).content.decode()
    assert "Pupil, Behind" not in body
    assert {p.pk for p in access.list_pupils(cast.teacher, cast.school, day)} >= {made["behind"].pk}
    assert not access.list_pupils(cast.other_teacher, cast.school, day).filter(pk=made["behind"].pk)
    assert login(cast.ta).get(reverse("support:index")).status_code == 403


def test_the_api_gives_the_same_list(cohort, api, monkeypatch):
    cast, ladder, summer, day, made = cohort
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    answer = api.get(cast.senco, f"/schools/{cast.school.pk}/inclusion-list").json()
    by_pupil = {e["pupil_id"]: e for e in answer["entries"]}
    assert by_pupil[made["behind"].pk]["kinds"] == ["no_plan"]
    assert by_pupil[made["behind"].pk]["not_on_track"][0]["status"] == "off_track"
    assert by_pupil[made["behind_sen"].pk]["sen_status"] == "K"
    assert made["fine"].pk not in by_pupil
    assert answer["point_id"] == summer.pk
    mine = api.get(
        cast.other_teacher, f"/schools/{cast.school.pk}/inclusion-list?class_id={cast.oak.pk}"
    ).json()
    assert mine["entries"] == []
