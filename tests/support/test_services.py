"""Support services: opening plans (and the alerts' action plans), versioned changes, SMART
targets with objectives, provision, reviews that move the review date or close the plan, and
the SEN register's status changes and areas of need. Each refusal writes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nextsteps.curriculum import services as curriculum
from nextsteps.schools.models import Characteristic
from nextsteps.schools.services import ConflictError
from nextsteps.support import queries, services
from nextsteps.support.models import Area, Plan, PlanReview, PlanTarget, SenNeed, TargetStatus
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def _plan(cast, **extra):
    fields = {
        "school": cast.school,
        "kind": Plan.Kind.IEP,
        "title": "Reading IEP",
        "owner": cast.senco,
        "start_date": cast.year.start_date,
        "review_date": today() + timedelta(days=20),
        "by": cast.senco,
    }
    fields.update(extra)
    return services.open_plan(cast.bartholomew, **fields)


# Opening plans ----------------------------------------------------------------------------------


def test_open_action_plan_opens_an_open_action_plan_started_today(cast):
    plan = services.open_action_plan(
        cast.amara,
        school=cast.school,
        owner=cast.teacher,
        review_date=today() + timedelta(days=14),
        title="  Action plan: off track in maths  ",
        reason="Off track in maths at spring",
    )
    plan.refresh_from_db()
    assert (plan.kind, plan.status, plan.start_date) == ("action_plan", "open", today())
    assert plan.title == "Action plan: off track in maths"
    assert plan.opened_by is None and plan.owner == cast.teacher
    assert queries.open_plans_for([cast.amara.pk, cast.bartholomew.pk]) == {cast.amara.pk: [plan]}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"owner": "governor"}, "owner"),
        ({"owner": "ap_head"}, "owner"),
        ({"review_date": "before"}, "review_date"),
        ({"title": "   "}, "title"),
        ({"school": "hub", "owner": "ap_head"}, "school"),
        ({"kind": "diary"}, "kind"),
    ],
)
def test_open_plan_refuses_bad_input_and_writes_nothing(cast, change, field):
    extra = {}
    for key, value in change.items():
        if key == "owner":
            extra["owner"] = getattr(cast, value)
        elif key == "school":
            extra["school"] = getattr(cast, value)
        elif value == "before":
            extra[key] = cast.year.start_date - timedelta(days=1)
        else:
            extra[key] = value
    with pytest.raises(ValidationError) as caught:
        _plan(cast, **extra)
    assert field in caught.value.message_dict
    assert not Plan.objects.exists()


def test_open_plans_for_is_one_query_and_leaves_out_closed_plans_and_other_kinds(cast):
    iep = _plan(cast)
    closed = _plan(cast, kind=Plan.Kind.SUPPORT_PLAN)
    services.update_plan(closed, {"status": "closed", "closed_reason": "Met"}, closed.version)
    with CaptureQueriesContext(connection) as queries_made:
        found = queries.open_plans_for([cast.bartholomew.pk, cast.amara.pk])
        assert [p.owner.username for p in found[cast.bartholomew.pk]] == ["senco"]
    assert len(queries_made) == 1
    assert found == {cast.bartholomew.pk: [iep]}
    assert queries.open_plans_for([cast.bartholomew.pk], kinds=["action_plan"]) == {}


# Versioned changes ------------------------------------------------------------------------------


def test_a_stale_plan_edit_is_refused_and_changes_nothing(cast):
    plan = _plan(cast)
    services.update_plan(plan, {"title": "Speech IEP"}, plan.version)
    with pytest.raises(ConflictError) as caught:
        services.update_plan(plan, {"title": "Mine"}, plan.version)
    assert caught.value.current.title == "Speech IEP"
    plan.refresh_from_db()
    assert (plan.title, plan.version) == ("Speech IEP", 2)


def test_closing_needs_a_reason_and_reopening_clears_it(cast):
    plan = _plan(cast)
    with pytest.raises(ValidationError) as caught:
        services.update_plan(plan, {"status": "closed"}, plan.version)
    assert "closed_reason" in caught.value.message_dict
    closed = services.update_plan(
        plan, {"status": "closed", "closed_reason": "Needs met"}, plan.version
    )
    assert (closed.status, closed.closed_on, closed.closed_reason) == (
        "closed",
        today(),
        "Needs met",
    )
    reopened = services.update_plan(closed, {"status": "open"}, closed.version)
    assert (reopened.status, reopened.closed_on, reopened.closed_reason) == ("open", None, "")


def test_only_named_fields_change(cast):
    plan = _plan(cast)
    with pytest.raises(ValidationError):
        services.update_plan(plan, {"pupil": cast.amara}, plan.version)
    plan.refresh_from_db()
    assert plan.pupil == cast.bartholomew


# Targets and provision --------------------------------------------------------------------------


def test_targets_link_objectives_of_the_schools_frameworks_only(cast):
    maths = build_maths(cast.school)
    other = curriculum.create_framework(
        code="elsewhere", name="Elsewhere", judgement_scale=maths.scale, summary_scale=maths.summary
    )
    stray = curriculum.add_objective(
        curriculum.add_strand(curriculum.add_subject(other, "art", "Art"), "Drawing", 1),
        curriculum.add_stage(other, "S1", "Stage 1", 1),
        "A1",
        "Draw a line",
    )
    plan = _plan(cast)
    target = services.add_target(
        plan,
        specific="Count in threes",
        measure="To 36 without error",
        target_date=plan.review_date,
        objectives=maths.objectives[:2],
    )
    assert set(target.objectives.all()) == set(maths.objectives[:2])
    with pytest.raises(ValidationError) as caught:
        services.add_target(
            plan,
            specific="Draw",
            measure="A line",
            target_date=plan.review_date,
            objectives=[stray],
        )
    assert "objectives" in caught.value.message_dict
    assert plan.targets.count() == 1


def test_a_target_needs_its_measure_and_a_date_in_the_plan(cast):
    plan = _plan(cast)
    with pytest.raises(ValidationError) as caught:
        services.add_target(plan, specific="Read", measure="", target_date=plan.review_date)
    assert "measure" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.add_target(
            plan,
            specific="Read",
            measure="20 words",
            target_date=plan.start_date - timedelta(days=1),
        )
    assert "target_date" in caught.value.message_dict
    assert not PlanTarget.objects.exists()


def test_a_target_achieved_is_dated_and_a_stale_edit_refused(cast):
    plan = _plan(cast)
    target = services.add_target(
        plan, specific="Read 20 words", measure="18 of 20", target_date=plan.review_date
    )
    done = services.update_target(target, {"status": TargetStatus.ACHIEVED}, target.version)
    assert (done.achieved_on, done.version) == (today(), 2)
    with pytest.raises(ConflictError):
        services.update_target(target, {"specific": "Read 30"}, 1)
    back = services.update_target(done, {"status": TargetStatus.WORKING}, done.version)
    assert back.achieved_on is None and back.specific == "Read 20 words"


def test_provision_hours_and_dates_are_checked(cast):
    plan = _plan(cast)
    with pytest.raises(ValidationError) as caught:
        services.add_provision(plan, what="Reading", who="TA", hours_per_week=0)
    assert "hours_per_week" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.add_provision(
            plan, what="Reading", who="TA", start_date=today(), end_date=today() - timedelta(1)
        )
    assert "end_date" in caught.value.message_dict
    item = services.add_provision(plan, what="Reading", who="TA", hours_per_week="1.25")
    assert str(item.hours_per_week) == "1.3"
    with pytest.raises(ConflictError):
        services.update_provision(item, {"who": "Teacher"}, item.version + 1)


# Reviews ----------------------------------------------------------------------------------------


def _with_targets(cast):
    plan = _plan(cast)
    first = services.add_target(
        plan, specific="Say /s/", measure="8 of 10", target_date=plan.review_date
    )
    second = services.add_target(
        plan, specific="Say /sh/", measure="8 of 10", target_date=plan.review_date
    )
    return plan, first, second


def test_a_review_records_progress_and_moves_the_review_date(cast):
    plan, first, second = _with_targets(cast)
    review = services.record_review(
        plan,
        held_on=today(),
        outcome=PlanReview.Outcome.AMEND,
        expected_version=plan.version,
        next_review_date=today() + timedelta(days=42),
        progress={first.pk: (TargetStatus.ACHIEVED, "Secure"), second.pk: ("working", "")},
        by=cast.senco,
    )
    plan.refresh_from_db()
    first.refresh_from_db()
    assert plan.review_date == today() + timedelta(days=42) and plan.is_open
    assert (first.status, first.achieved_on) == ("achieved", today())
    assert [(p.target_id, p.status, p.note) for p in review.progress.order_by("target_id")] == [
        (first.pk, "achieved", "Secure"),
        (second.pk, "working", ""),
    ]


def test_a_review_that_closes_the_plan_closes_it_on_the_day(cast):
    plan, first, _ = _with_targets(cast)
    held = today() - timedelta(days=2)
    services.record_review(
        plan,
        held_on=held,
        outcome=PlanReview.Outcome.CLOSE,
        expected_version=plan.version,
        progress={first.pk: ("achieved", "")},
    )
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == ("closed", held)
    with pytest.raises(ValidationError):
        services.record_review(
            plan,
            held_on=today(),
            outcome="continue",
            expected_version=plan.version,
            next_review_date=today() + timedelta(days=30),
        )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"held_on": 1}, "held_on"),
        ({"next_review_date": None}, "next_review_date"),
        ({"next_review_date": 0}, "next_review_date"),
        ({"outcome": "shrug"}, "outcome"),
        ({"progress": "elsewhere"}, "progress"),
    ],
)
def test_a_bad_review_writes_nothing(cast, change, field):
    plan, first, _ = _with_targets(cast)
    other = services.add_target(
        _plan(cast, kind=Plan.Kind.SUPPORT_PLAN),
        specific="Other",
        measure="Other",
        target_date=plan.review_date,
    )
    fields = {
        "held_on": today(),
        "outcome": "continue",
        "next_review_date": today() + timedelta(days=30),
        "progress": {first.pk: ("achieved", "")},
    }
    for key, value in change.items():
        if key in ("held_on", "next_review_date") and isinstance(value, int):
            value = today() + timedelta(days=value)
        if value == "elsewhere":
            value = {first.pk: ("achieved", ""), other.pk: ("achieved", "")}
        fields[key] = value
    with pytest.raises(ValidationError) as caught:
        services.record_review(plan, expected_version=plan.version, **fields)
    assert any(k.startswith(field) for k in caught.value.message_dict)
    first.refresh_from_db()
    plan.refresh_from_db()
    assert first.status == "not_started" and plan.version == 1
    assert not PlanReview.objects.exists()


def test_a_review_against_a_stale_plan_is_a_conflict(cast):
    plan, first, _ = _with_targets(cast)
    services.update_plan(plan, {"title": "Changed"}, plan.version)
    with pytest.raises(ConflictError):
        services.record_review(
            plan,
            held_on=today(),
            outcome="continue",
            expected_version=1,
            next_review_date=today() + timedelta(days=30),
            progress={first.pk: ("achieved", "")},
        )
    assert not PlanReview.objects.exists()
    first.refresh_from_db()
    assert first.status == "not_started"


# The SEN register -------------------------------------------------------------------------------


def test_a_status_change_ends_one_record_and_starts_another(cast):
    start = today() - timedelta(days=10)
    record = services.change_sen_status(cast.bartholomew, "e", start_date=start, by=cast.senco)
    assert (record.value, record.start_date, record.recorded_by) == ("E", start, cast.senco)
    history = list(
        Characteristic.objects.filter(pupil=cast.bartholomew, kind="sen").order_by("start_date")
    )
    assert [(r.value, r.end_date) for r in history] == [
        ("K", start - timedelta(days=1)),
        ("E", None),
    ]
    assert services.change_sen_status(cast.bartholomew, "E", start_date=start) is None
    with pytest.raises(ValidationError):
        services.change_sen_status(cast.bartholomew, "X")


def test_taking_a_pupil_off_the_register_ends_their_needs(cast):
    need = services.add_need(
        cast.bartholomew, area=Area.COMMUNICATION, primary=True, start_date=cast.year.start_date
    )
    services.change_sen_status(cast.bartholomew, "N", start_date=today())
    need.refresh_from_db()
    # it stays marked primary: it was the primary need while it lasted
    assert need.end_date == today() - timedelta(days=1) and need.primary
    assert queries.current_needs([cast.bartholomew.pk], today()) == {}


def test_one_primary_need_and_no_area_twice(cast):
    first = services.add_need(cast.bartholomew, area=Area.COMMUNICATION, primary=True)
    second = services.add_need(cast.bartholomew, area=Area.SEMH, primary=True)
    first.refresh_from_db()
    assert (first.primary, second.primary) == (False, True)
    with pytest.raises(ValidationError) as caught:
        services.add_need(cast.bartholomew, area=Area.SEMH)
    assert "area" in caught.value.message_dict
    assert SenNeed.objects.count() == 2
    with pytest.raises(ConflictError):
        services.update_need(first, {"description": "x"}, first.version + 1)
    services.update_need(first, {"primary": True}, first.version)
    second.refresh_from_db()
    assert not second.primary


def test_on_register_since_follows_the_unbroken_spell(cast):
    pupil = cast.amara
    start = cast.last_year.start_date
    services.change_sen_status(pupil, "K", start_date=start)
    services.change_sen_status(pupil, "E", start_date=start + timedelta(days=100))
    history = list(Characteristic.objects.filter(pupil=pupil, kind="sen"))
    assert queries.on_register_since(history, today()) == start
    services.change_sen_status(pupil, "N", start_date=today() - timedelta(days=20))
    services.change_sen_status(pupil, "K", start_date=today() - timedelta(days=5))
    history = list(Characteristic.objects.filter(pupil=pupil, kind="sen"))
    assert queries.on_register_since(history, today()) == today() - timedelta(days=5)
    assert queries.on_register_since(history, today() - timedelta(days=10)) is None
