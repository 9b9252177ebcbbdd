"""The default-size demo, built once for the module and rolled back (the one build of that
size in the suite): its characteristics come in realistic shares; and its interventions
(nextsteps/demo/interventions.py): a finished reading catch-up measured on the reading test, a
Year 5 maths group on objectives and the hub's engagement mentoring on the weekly reviews,
each showing more progress than similar pupils, from results, judgements and ratings dated
inside it."""

from datetime import date

import pytest
from django.db import transaction

from nextsteps import demo
from nextsteps.assessment.models import Judgement
from nextsteps.interventions import evaluation
from nextsteps.interventions.impact import MORE
from nextsteps.interventions.models import Evaluation, Intervention
from nextsteps.results.models import Result
from nextsteps.reviews.models import WeeklyRating
from nextsteps.schools.models import School
from tests.demo.test_demo import _current, _holding

TODAY = date(2026, 7, 24)  # late July: last autumn's and this summer's tests have been sat

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


class _Undo(Exception):
    pass


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                summary = demo.build(today=TODAY)
                yield summary
                raise _Undo
        except _Undo:
            pass


def _item(name):
    return Intervention.objects.select_related("school", "definition", "review_area").get(name=name)


def test_three_interventions_each_doing_better_than_similar_pupils(built):
    line = next(c.line() for c in built.later if c.line().startswith("Interventions"))
    assert line.startswith("Interventions: 3 with ")
    for name, school, kind in (
        ("Year 3 reading catch-up", "Oakfield Primary School", "test"),
        ("Year 5 maths: fractions and calculation", "Oakfield Primary School", "objectives"),
        ("Engagement mentoring", "Riverside Learning Hub", "review"),
    ):
        item = _item(name)
        assert (item.school.name, item.measure_kind) == (school, kind)
        result = evaluation.evaluate(item, today=TODAY)
        assert result.impact.verdict == MORE, (name, result.impact.text)
        assert result.impact.pupils >= 3 and result.impact.similar >= 5


def test_the_reading_group_ended_and_its_evaluation_is_stored(built):
    item = _item("Year 3 reading catch-up")
    assert item.end_date < TODAY
    stored = Evaluation.objects.get(intervention=item)
    assert stored.rows.filter(member=True).count() == item.members.count()
    rows = list(stored.rows.filter(member=True))
    assert all(r.entry_on <= item.start_date < item.end_date <= r.exit_on for r in rows)
    # the summer scores they earned were recorded again, each a new version of the result
    exits = Result.objects.filter(
        pupil_id__in=[r.pupil_id for r in rows], sitting__date=rows[0].exit_on, version__gt=1
    )
    assert exits.count() == len(rows)


def test_what_the_maths_and_mentoring_pupils_earned_is_dated_inside_them(built):
    maths = _item("Year 5 maths: fractions and calculation")
    members = set(maths.members.values_list("pupil_id", flat=True))
    gained = Judgement.objects.filter(
        pupil_id__in=members, note="Secured in the Year 5 maths group"
    )
    assert gained.count() >= len(members)
    assert all(maths.start_date <= j.recorded_at.date() <= TODAY for j in gained)
    # each is the latest judgement of its objective: nothing recorded later is overtaken
    for j in gained:
        assert not Judgement.objects.filter(
            pupil=j.pupil_id, objective=j.objective_id, recorded_at__gt=j.recorded_at
        ).exists()
    mentoring = _item("Engagement mentoring")
    students = set(mentoring.members.values_list("pupil_id", flat=True))
    better = WeeklyRating.objects.filter(
        pupil_id__in=students, area=mentoring.review_area, comment__startswith="Mentoring"
    )
    assert better.exists() and all(r.week >= mentoring.start_date for r in better)


def test_default_size_has_realistic_shares(built):
    summary = built
    assert summary.schools == [
        "Oakfield Primary School",
        "Glenburn Primary School",
        "Riverside Learning Hub",
    ]
    for name in ("Oakfield Primary School", "Glenburn Primary School"):
        school = School.objects.get(name=name)
        pupils = _current(school, TODAY)
        n = pupils.count()
        assert 200 <= n <= 220

        def share(kind, value="Y", pupils=pupils, n=n):
            return len(_holding(pupils, kind, value, TODAY)) / n

        assert share("disadvantaged") == pytest.approx(0.25, abs=0.03)
        assert share("sen", "K") == pytest.approx(0.15, abs=0.03)
        assert share("sen", "E") == pytest.approx(0.03, abs=0.015)
        assert share("eal") == pytest.approx(0.20, abs=0.03)
        assert 1 <= len(_holding(pupils, "looked_after", on=TODAY)) <= 5
        assert 1 <= len(_holding(pupils, "service_child", on=TODAY)) <= 4
        assert len(_holding(pupils, "child_in_need", on=TODAY)) >= 2
        # free school meals and looked-after children sit inside the disadvantaged group
        assert _holding(pupils, "fsm", on=TODAY) <= _holding(pupils, "disadvantaged", on=TODAY)
        assert _holding(pupils, "looked_after", on=TODAY) <= _holding(
            pupils, "disadvantaged", on=TODAY
        )
        girls = pupils.filter(sex="F").count()
        assert 0.4 <= girls / n <= 0.6
        if school.country == School.Country.ENGLAND:
            assert _holding(pupils, "pupil_premium", on=TODAY) == _holding(
                pupils, "disadvantaged", on=TODAY
            )
    hub = School.objects.get(kind=School.Kind.ALTERNATIVE_PROVISION)
    assert _current(hub, TODAY).count() == 30
