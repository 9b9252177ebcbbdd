"""Suggesting targets from prior attainment by hand-computed small cohorts (ties, too few
pupils, no prior attainment, pupils judged on their own performance), setting them one at a
time and for a year group (all or nothing, with per-row errors), and their history."""

import pytest
from django.core.exceptions import ValidationError

from nextsteps.tracking import targets
from nextsteps.tracking.models import Target

from .conftest import points_of, pupil_with_years, summary

pytestmark = pytest.mark.django_db


def suggest(cast, ladder, *pupils):
    return targets.suggest_targets(pupils, ladder.maths, cast.year)


def test_cohort_suggestion_counts_pupils_with_the_same_starting_point(cast, ladder, history):
    s = suggest(cast, ladder, cast.amara)[cast.amara.pk]
    assert s.method == Target.Method.COHORT
    assert s.grade == ladder.summary["EXS"]
    assert s.basis == (
        "Of 5 pupils at this school who were EXS at the end of Year 2, 3 were EXS, 1 GDS and "
        f"1 WTS at the end of Year 3 ({history['y2'].name} to {cast.last_year.name})."
    )


def test_ties_go_to_the_higher_grade_unless_the_school_says_lower(cast, ladder, history):
    # only last year's pair: one EXS, one WTS, a tie; two pupils are enough here
    cast.school.settings = {"targets": {"cohort_years": 1, "cohort_minimum": 2}}
    cast.school.save()
    s = suggest(cast, ladder, cast.amara)[cast.amara.pk]
    assert (s.method, s.grade.short_label) == (Target.Method.COHORT, "EXS")
    assert s.basis.endswith(
        f"at the end of Year 3 ({cast.last_year.name}). A tie: the higher grade is suggested."
    )
    cast.school.settings["targets"]["cohort_ties"] = "lower"
    cast.school.save()
    assert suggest(cast, ladder, cast.amara)[cast.amara.pk].grade.short_label == "WTS"


def test_too_few_pupils_falls_back_to_the_pupils_own_trajectory(cast, ladder, history):
    cast.school.settings = {"targets": {"cohort_minimum": 6}}
    cast.school.save()
    s = suggest(cast, ladder, cast.amara)[cast.amara.pk]
    assert s.method == Target.Method.TRAJECTORY
    # WTS in autumn to EXS in summer: up one grade, so one more
    assert s.grade.short_label == "GDS"
    last = cast.last_year.name
    assert s.basis == (
        "No cohort evidence: 5 pupils at this school started Year 3 at EXS (6 needed). "
        f"Own trajectory: WTS at Autumn {last}, EXS at Spring {last}, EXS at Summer {last}; "
        "up 1 grade over the year, so 1 more: GDS."
    )
    cast.school.settings["targets"]["trajectory_max_step"] = 0
    cast.school.save()
    assert suggest(cast, ladder, cast.amara)[cast.amara.pk].grade.short_label == "EXS"


def test_no_cohort_years_at_all_uses_the_trajectory(cast, ladder):
    autumn, _, summer = points_of(cast.last_year)
    summary(cast.amara, ladder.maths, autumn, ladder.summary["EXS"])
    summary(cast.amara, ladder.maths, summer, ladder.summary["WTS"])
    s = suggest(cast, ladder, cast.amara)[cast.amara.pk]
    assert s.method == Target.Method.TRAJECTORY
    assert s.grade.short_label == "WTS"  # a fall is not extended
    assert "0 pupils at this school started Year 3 at WTS" in s.basis
    assert s.basis.endswith("down 1 over the year; holding WTS, not lower.")


def test_a_pupil_with_no_prior_attainment_gets_no_suggestion(cast, ladder, history):
    newcomer = pupil_with_years(cast, {cast.year: 3}, name="Newcomer")
    s = suggest(cast, ladder, newcomer)[newcomer.pk]
    assert s.grade is None and s.method == Target.Method.MANUAL
    assert "set this target by hand" in s.basis
    # and pupils not on roll that year are left out
    assert cast.priya.pk not in suggest(cast, ladder, cast.priya)


def test_pupils_with_sen_or_working_below_are_set_against_their_own_performance(
    cast, ladder, history
):
    _, _, summer = points_of(cast.last_year)
    summary(cast.bartholomew, ladder.maths, summer, ladder.summary["WTS"])
    s = suggest(cast, ladder, cast.bartholomew)[cast.bartholomew.pk]
    assert s.method == Target.Method.MILESTONES
    assert s.grade.short_label == "WTS"
    assert s.basis.startswith("Set against their own previous performance (special educational")
    assert "individual milestones" in s.basis
    from nextsteps.curriculum.services import set_working_stage

    set_working_stage(
        cast.amara, ladder.maths, ladder.stages[2], since=cast.year.start_date, reason="gaps"
    )
    s = suggest(cast, ladder, cast.amara)[cast.amara.pk]
    assert s.method == Target.Method.MILESTONES
    assert "(working at Year 2 in Year 3)" in s.basis


def test_set_target_keeps_every_change_and_needs_a_reason_to_differ(cast, ladder, history):
    s, subject, year, amara = ladder.summary, ladder.maths, cast.year, cast.amara
    with pytest.raises(ValidationError, match="differs from the suggestion"):
        targets.set_target(amara, subject, year, s["GDS"], by=cast.leader)
    first = targets.set_target(amara, subject, year, s["EXS"], by=cast.leader, expected=None)
    assert (first.suggested, first.method) == (s["EXS"], Target.Method.COHORT)
    assert first.basis.startswith("Of 5 pupils")
    again = targets.set_target(amara, subject, year, s["EXS"], by=cast.head)
    assert again.pk == first.pk  # nothing new when nothing changed
    raised = targets.set_target(
        amara,
        subject,
        year,
        s["GDS"],
        by=cast.head,
        reason="Known capacity: strong reasoning",
        expected=first.pk,
    )
    with pytest.raises(targets.StaleTarget, match="head changed this target"):
        targets.set_target(
            amara, subject, year, s["WTS"], by=cast.leader, reason="x", expected=first.pk
        )
    with pytest.raises(ValidationError, match="why the target is withdrawn"):
        targets.set_target(amara, subject, year, None, by=cast.leader, withdraw=True)
    withdrawn = targets.set_target(
        amara, subject, year, None, by=cast.leader, withdraw=True, reason="Left the set"
    )
    history_rows = list(targets.target_history(amara, subject, year))
    assert [(t.grade_id, t.set_by, t.reason) for t in history_rows] == [
        (s["EXS"].pk, cast.leader, ""),
        (s["GDS"].pk, cast.head, "Known capacity: strong reasoning"),
        (None, cast.leader, "Left the set"),
    ]
    current = targets.current_targets([amara.pk], [subject.pk], [year.pk])
    assert current[(amara.pk, subject.pk, year.pk)] == withdrawn
    assert current[(amara.pk, subject.pk, year.pk)] != raised


def test_set_target_refuses_bad_input_and_writes_nothing(cast, ladder, history):
    maths = ladder.maths
    with pytest.raises(ValidationError, match="summary scale"):
        targets.set_target(cast.amara, maths, cast.year, ladder.grades["S"], by=cast.leader)
    with pytest.raises(ValidationError, match="not on roll"):
        targets.set_target(cast.priya, maths, cast.year, ladder.summary["EXS"], by=cast.leader)
    with pytest.raises(ValidationError, match="no target to withdraw"):
        targets.set_target(
            cast.amara, maths, cast.year, None, by=cast.leader, withdraw=True, reason="x"
        )
    assert not Target.objects.exists()


def test_bulk_set_is_all_or_nothing_with_an_error_for_each_row(cast, ladder, history):
    s, maths, year = ladder.summary, ladder.maths, cast.year
    newcomer = pupil_with_years(cast, {year: 3}, name="Newcomer")
    rows = [
        targets.TargetRow(cast.amara, s["GDS"], ""),  # differs from EXS, no reason
        targets.TargetRow(cast.bartholomew, s["WTS"], ""),  # no prior attainment: no suggestion
        targets.TargetRow(newcomer, None, ""),  # left alone
        targets.TargetRow(cast.zebedee, s["EXS"], ""),  # Year 4, on roll: fine
    ]
    with pytest.raises(targets.TargetErrors) as caught:
        targets.set_targets(rows, maths, year, by=cast.leader)
    assert set(caught.value.errors) == {cast.amara.pk}
    assert "differs from the suggestion (EXS)" in caught.value.errors[cast.amara.pk]
    assert not Target.objects.exists()

    rows[0].reason = "Known capacity for improvement"
    saved = targets.set_targets(rows, maths, year, by=cast.leader)
    assert {(t.pupil_id, t.grade.short_label) for t in saved} == {
        (cast.amara.pk, "GDS"),
        (cast.bartholomew.pk, "WTS"),
        (cast.zebedee.pk, "EXS"),
    }
    assert Target.objects.count() == 3
    # saving the same again writes nothing
    assert targets.set_targets(rows, maths, year, by=cast.leader) == []


def test_bulk_set_refuses_rows_changed_by_someone_else_since_they_were_read(cast, ladder, history):
    s, maths, year = ladder.summary, ladder.maths, cast.year
    seen = targets.set_target(cast.amara, maths, year, s["EXS"], by=cast.leader)
    targets.set_target(cast.amara, maths, year, s["GDS"], by=cast.head, reason="Capacity")
    rows = [
        targets.TargetRow(cast.amara, s["WTS"], "Dip", expected=seen.pk),
        targets.TargetRow(cast.zebedee, s["EXS"], "", expected=None),
    ]
    with pytest.raises(targets.TargetErrors) as caught:
        targets.set_targets(rows, maths, year, by=cast.leader)
    assert "head changed this target" in caught.value.errors[cast.amara.pk]
    assert Target.objects.count() == 2  # nothing of the bulk save was written
