"""Measuring an intervention (nextsteps/interventions/evaluation.py): members against similar
pupils of the same year group and starting point, live while it runs, stored once it has ended
and not changed by later edits to the history, measured again when the intervention itself
changes; late joiners and early leavers."""

from datetime import timedelta

import pytest

from nextsteps.interventions import evaluation, services
from nextsteps.interventions.impact import MORE, SAME, SHORT, TOO_FEW
from nextsteps.interventions.models import Evaluation
from nextsteps.schools import services as schools

from .conftest import judge

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(setting):
    """Five members (Amara, Bartholomew and three extras) each secure two Year 3 objectives
    while in it; five similar Year 3 pupils secure one; Zebedee (Year 4) secures all three."""
    s, g, o = setting, setting.maths.grades, setting.y3
    c = s.cast
    members = [c.amara, c.bartholomew, *s.extras[:3]]
    similar = s.extras[3:]
    for pupil in members:
        judge(pupil, o[:2], g["S"], s.day(2))
    for pupil in similar:
        judge(pupil, o[:1], g["S"], s.day(2))
    judge(c.zebedee, o, g["S"], s.day(2))
    return members, similar


def test_running_it_is_measured_to_today_against_similar_pupils(setting, cohort):
    members, similar = cohort
    item = setting.intervention(members, cost=500)
    result = evaluation.evaluate(item, today=setting.day(5))
    assert result.stored is None and not Evaluation.objects.exists()
    assert result.impact.verdict == MORE and result.impact.so_far
    assert result.impact.text == (
        "So far, made more progress than similar pupils: "
        "+2.0 objectives secured vs +1.0 (5 pupils, 5 similar)"
    )
    # similar pupils are the Year 3 pupils not in it; Zebedee is in Year 4
    assert {line.pupil_id for line in result.similar} == {p.pk for p in similar}
    assert result.span.end == setting.day(5)
    assert all(line.period.end == setting.day(5) for line in result.members.values())


def test_before_it_starts_nothing_is_measured(setting, cohort):
    item = setting.intervention(cohort[0])
    result = evaluation.evaluate(item, today=setting.start - timedelta(days=1))
    assert not result.started and result.impact.members == 0
    assert "it starts on" in result.impact.text


def test_finished_it_is_stored_once_and_later_edits_do_not_change_it(setting, cohort):
    s, g, o = setting, setting.maths.grades, setting.y3
    members, similar = cohort
    item = s.intervention(members)
    after = s.end + timedelta(days=7)
    first = evaluation.evaluate(item, today=after, by=s.cast.leader)
    assert first.stored is not None and first.stored.taken_by == s.cast.leader
    assert first.impact.verdict == MORE and not first.impact.so_far
    assert first.stored.rows.filter(member=True).count() == 5
    assert first.stored.rows.filter(member=False).count() == 5
    # a similar pupil's judgement is recorded late, dated inside the intervention
    for pupil in similar:
        judge(pupil, o[1:2], g["S"], s.day(3))
    again = evaluation.evaluate(item, today=after)
    assert again.stored.pk == first.stored.pk
    assert again.impact.text == first.impact.text
    assert Evaluation.objects.count() == 1
    # measured again on purpose: similar pupils now gained two as well
    evaluation.take_evaluation(item, by=s.cast.head, today=after)
    fresh = evaluation.evaluate(item, today=after)
    assert fresh.stored.pk != first.stored.pk and fresh.impact.verdict == SAME
    assert Evaluation.objects.count() == 2


def test_changing_the_members_means_measuring_again(setting, cohort):
    s = setting
    members, _ = cohort
    item = s.intervention(members)
    after = s.end + timedelta(days=7)
    first = evaluation.evaluate(item, today=after)
    services.mark_left(item, members[0], left=s.day(6), by=s.cast.head)
    second = evaluation.evaluate(item, today=after)
    assert second.stored.pk != first.stored.pk
    assert second.members[members[0].pk].period.end == s.day(6)
    # without `store` nothing new is written
    services.mark_left(item, members[1], left=s.day(6), by=s.cast.head)
    assert evaluation.evaluate(item, today=after, store=False).stored is None
    assert Evaluation.objects.count() == 2


def test_measuring_again_is_refused_while_it_runs_or_waits_for_its_test(setting):
    s = setting
    item = s.intervention([s.cast.amara])
    with pytest.raises(ValueError, match="still running"):
        evaluation.take_evaluation(item, by=s.cast.head, today=s.day(2))
    test = s.intervention(
        [s.cast.amara], name="Reading", measure_kind="test", definition=s.reading, stage=None
    )
    with pytest.raises(ValueError, match="Waiting for the exit test"):
        evaluation.take_evaluation(test, by=s.cast.head, today=s.end + timedelta(days=5))
    result = evaluation.evaluate(test, today=s.end + timedelta(days=5))
    assert result.stored is None and result.waiting
    assert not Evaluation.objects.exists()


def test_late_joiners_and_early_leavers(setting, cohort):
    s = setting
    members, similar = cohort
    item = s.intervention(members[:3])
    span_days = (s.end - s.start).days + 1  # 61
    # joined with less than half of it left: not counted
    services.add_members(item, [members[3]], joined=s.day(6), by=s.cast.head)
    # left after more than half of it: counted, measured to the day they left
    services.add_members(item, [members[4]], joined=s.start, by=s.cast.head)
    services.mark_left(item, members[4], left=s.day(5), by=s.cast.head)
    result = evaluation.evaluate(item, today=s.end + timedelta(days=1))
    late, leaver = result.members[members[3].pk], result.members[members[4].pk]
    assert late.period.days * 2 < span_days and not late.counted
    assert (leaver.period.start, leaver.period.end) == (s.start, s.day(5))
    assert leaver.period.days * 2 >= span_days and leaver.counted
    assert result.impact.reason_of == {members[3].pk: SHORT}
    assert result.impact.pupils == 4


def test_similar_pupils_are_on_roll_from_the_start_to_the_end(setting, cohort):
    s = setting
    members, similar = cohort
    schools.mark_left(similar[0], s.cast.school, on=s.day(3), reason="Moved away")
    item = s.intervention(members)
    result = evaluation.evaluate(item, today=s.day(5))
    assert {line.pupil_id for line in result.similar} == {p.pk for p in similar[1:]}
    # four similar pupils are too few to say
    assert result.impact.verdict == TOO_FEW and result.impact.similar == 4


def test_a_pupils_starting_point_decides_who_they_are_compared_with(setting, cohort):
    s, g, o = setting, setting.maths.grades, setting.y3
    members, similar = cohort
    # Amara had two objectives secure before it started: a higher starting band than anyone
    judge(s.cast.amara, o[:2], g["M"], s.day(-1))
    item = s.intervention(members)
    result = evaluation.evaluate(item, today=s.day(5))
    amara = result.members[s.cast.amara.pk]
    assert (amara.value.entry, amara.band) == (2, 2)
    assert result.impact.not_counted["unmatched"] == 1 and result.impact.pupils == 4


def test_at_an_alternative_provision_centre_similar_pupils_share_the_key_stage(setting):
    c = setting.cast
    hub_groups = {g.stage: g.pk for g in c.hub.year_groups.all()}
    hub = evaluation.cohorts(c.hub, hub_groups.values())
    assert hub[hub_groups[8]] == hub[hub_groups[9]] != hub[hub_groups[10]]
    school = evaluation.cohorts(c.school, [c.y3.pk, c.y4.pk])
    assert school[c.y3.pk] != school[c.y4.pk]
    assert [evaluation.key_stage(n) for n in (0, 2, 3, 6, 7, 9, 10, 11, 12)] == [
        0,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
        5,
    ]
