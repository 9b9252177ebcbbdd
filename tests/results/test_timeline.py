"""The pupil profile's timeline per subject: tests, summary judgements and objective coverage
replayed from the judgement events; diagnostic results only for those allowed, logged."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nextsteps.assessment.services import record_judgement
from nextsteps.audit.models import AuditEvent
from nextsteps.curriculum.services import set_working_stage
from nextsteps.results.timeline import COVERAGE, SUMMARY, TEST, Chart, pupil_timelines
from tests.curriculum_cast import build_maths
from tests.results.test_comparison import judge, points, result, shipped, sit

pytestmark = pytest.mark.django_db


def at(day):
    return timezone.make_aware(datetime.combine(day, time(12)))


def diagnostic_reads(pupil):
    return AuditEvent.objects.filter(action="read", pupil=pupil, what__contains="Diagnostic")


@pytest.fixture
def history(cast):
    """Amara's maths: four judgement events on Year 3 objectives, a correction among them,
    one objective retired before any of them, a move to Year 4 objectives, a test and a
    summary judgement at the autumn point."""
    maths = build_maths(cast.school)
    y3 = [o for o in maths.objectives if o.stage_id == maths.y3.pk]
    y4 = [o for o in maths.objectives if o.stage_id == maths.y4.pk]
    start = cast.year.start_date
    autumn = points(cast)[0]
    day = {n: start + timedelta(days=n) for n in (5, 10, 20, 30, 35, 40, 45)}
    assert day[45] < autumn.date
    y3[2].retired_at = at(day[5])
    y3[2].save()
    g, t = maths.grades, cast.teacher
    record_judgement(cast.amara, y3[0], g["S"], by=t, at=at(day[10]))
    record_judgement(cast.amara, y3[1], g["D"], by=t, at=at(day[20]))
    record_judgement(cast.amara, y3[1], g["S"], by=t, at=at(day[30]))
    set_working_stage(cast.amara, maths.maths, maths.y4, since=day[35])
    record_judgement(cast.amara, y3[0], g["D"], by=t, at=at(day[40]))  # a correction
    record_judgement(cast.amara, y4[0], g["M"], by=t, at=at(day[45]))
    test = sit(shipped(cast.school), autumn.date - timedelta(days=3), point=autumn)
    result(test, cast.amara, "above")
    judge(cast.amara, maths.maths, autumn, "EXS", t)
    cast.objects.update(maths=maths, autumn=autumn, day=day, y3_stage=maths.y3, y4_stage=maths.y4)
    return cast


def test_coverage_is_replayed_from_the_events_with_the_stage_of_each_day(history):
    c = history
    profile = pupil_timelines(c.head, c.amara, today=c.autumn.date + timedelta(days=1))
    [maths] = profile.subjects
    assert maths.subject == c.maths.maths
    got = [(cov.date, cov.stage, cov.secure, cov.total) for cov in maths.coverage]
    d = c.day
    assert got == [
        (d[10], c.y3_stage, 1, 2),  # the retired objective no longer counts
        (d[20], c.y3_stage, 1, 2),
        (d[30], c.y3_stage, 2, 2),
        (d[40], c.y4_stage, 0, 3),  # working at Year 4 from day 35
        (d[45], c.y4_stage, 1, 3),
        (c.autumn.date, c.y4_stage, 1, 3),  # carried on to the point that has passed
    ]
    assert [cov.percent for cov in maths.coverage] == [50, 50, 100, 0, 33, 33]


def test_the_table_lists_tests_summaries_and_coverage_newest_first(history):
    c = history
    profile = pupil_timelines(c.head, c.amara, today=c.autumn.date + timedelta(days=1))
    [maths] = profile.subjects
    rows = [(e.date, e.kind, e.result, e.reading) for e in maths.entries]
    assert rows == [
        (c.autumn.date, COVERAGE, "1 of 3 (33%)", None),
        (c.autumn.date, SUMMARY, "Expected", "at"),
        (c.autumn.date - timedelta(days=3), TEST, "score 121, band Above average", "above"),
        (c.day[45], COVERAGE, "1 of 3 (33%)", None),
    ]
    assert maths.entries[1].what == f"Autumn {c.year}"
    assert maths.entries[2].what.startswith("Standardised maths test")
    assert "1 test result, the latest score 121" in maths.description
    assert "from 50% of Year 3" in maths.description
    assert "to 1 of 3 (33%) of Year 4" in maths.description


def test_the_chart_places_each_entry_on_its_lane(history):
    c = history
    today = c.autumn.date + timedelta(days=1)
    chart = pupil_timelines(c.head, c.amara, today=today).subjects[0].chart
    assert (chart.start, chart.end) == (c.day[10], c.autumn.date)
    assert [m.y for m in chart.tests] == [Chart.LANES["above"]]
    assert [m.y for m in chart.summaries] == [Chart.LANES["at"]]
    assert chart.summaries[0].x == chart.x(c.autumn.date) == Chart.WIDTH - Chart.RIGHT
    assert chart.x(c.day[10]) == Chart.LEFT
    line = [tuple(map(float, p.split(","))) for p in chart.line.split()]
    assert len(line) == 6
    assert [y for _, y in line] == [60.0, 60.0, 20.0, 100.0, 73.3, 73.3]
    assert len(chart.dots) == 2  # the day-45 snapshot and the autumn point
    assert chart.ticks and all(Chart.LEFT <= t.x <= Chart.WIDTH - Chart.RIGHT for t in chart.ticks)


def test_an_earlier_today_shows_only_what_had_happened_by_then(history):
    c = history
    profile = pupil_timelines(c.head, c.amara, today=c.day[45])
    [maths] = profile.subjects
    # the autumn point has not come, so coverage stops at the last event
    assert maths.coverage[-1].date == c.day[45]
    assert [e.kind for e in maths.entries if e.kind == COVERAGE] == [COVERAGE]


def test_diagnostic_results_only_for_those_allowed_and_each_showing_is_logged(history):
    c = history
    screening = sit(shipped(c.school, "dyslexia-screening"), c.autumn.date - timedelta(days=9))
    result(screening, c.amara, "below")
    phonics = sit(shipped(c.school, "phonics-screening-check"), c.autumn.date - timedelta(days=8))
    result(phonics, c.amara, score=35)
    today = c.autumn.date + timedelta(days=1)

    seen = pupil_timelines(c.senco, c.amara, today=today)
    # reading is not a subject of this school's framework, so both sit with the other tests
    other = [(e.what, e.result, e.reading, e.sensitive) for e in seen.other_tests]
    assert other == [
        (phonics.name, "score 35", None, False),
        (screening.name, "score 78, band Indication of difficulty", "below", True),
    ]
    assert seen.diagnostics_shown
    read = diagnostic_reads(c.amara).get()
    assert read.actor == c.senco and read.school == c.school

    hidden = pupil_timelines(c.teacher, c.amara, today=today)
    assert [e.what for e in hidden.other_tests] == [phonics.name]
    assert not hidden.diagnostics_shown
    assert diagnostic_reads(c.amara).count() == 1  # the teacher's view logged nothing


def test_the_placing_provider_sees_their_pupils_diagnostics(cast):
    screening = sit(
        shipped(cast.hub, "dyslexia-screening"),
        cast.hub_year.start_date + timedelta(days=20),
        year=cast.hub_year,
    )
    result(screening, cast.priya, "at")
    profile = pupil_timelines(cast.provider, cast.priya)
    assert [e.sensitive for e in profile.other_tests] == [True]
    assert diagnostic_reads(cast.priya).get().school == cast.hub
    # the head of the hub sees it too; a class teacher of another school has no way in
    assert pupil_timelines(cast.ap_head, cast.priya).diagnostics_shown
    assert not pupil_timelines(cast.teacher, cast.priya).other_tests


def test_a_pupil_with_no_history_has_an_empty_profile(cast):
    build_maths(cast.school)
    profile = pupil_timelines(cast.head, cast.zebedee)
    assert profile.empty and profile.subjects == [] and profile.other_tests == []


def test_the_profile_page_shows_the_timeline_with_its_text_alternative(history, login):
    c = history
    page = login(c.head).get(reverse("pupil_detail", args=[c.amara.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Tests and judgements over time" in body
    assert 'role="img"' in body and "<desc id=" in body and "<polyline" in body
    assert "Mathematics: tests, summary judgements and objectives secure, newest first" in body
    assert "score 121, band Above average" in body and "Above expected" in body


def test_the_timeline_reads_in_a_fixed_number_of_queries(history):
    c = history
    extra = sit(shipped(c.school, "dyslexia-screening"), c.autumn.date - timedelta(days=9))
    result(extra, c.amara, "below")
    today = c.autumn.date + timedelta(days=1)

    def count():
        head = type(c.head).objects.get(pk=c.head.pk)  # nothing cached from an earlier call
        with CaptureQueriesContext(connection) as ctx:
            profile = pupil_timelines(head, c.amara, today=today)
        return len(ctx.captured_queries), profile

    small, before = count()
    # a longer history: more sittings, results, judgements and summary judgements
    maths = c.maths
    for n in range(1, 6):
        sitting = sit(shipped(c.school), c.day[5] + timedelta(days=n), name=f"Sitting {n}")
        result(sitting, c.amara, ["below", "at", "above"][n % 3])
        for objective in maths.objectives:
            if objective.retired_at is not None:
                continue
            record_judgement(
                c.amara,
                objective,
                maths.grades["SDNM"[n % 4]],
                by=c.teacher,
                at=at(c.year.start_date + timedelta(days=n * 5 + 1)),
            )
    for point in points(c)[1:]:
        judge(c.amara, maths.maths, point, "GDS", c.teacher)
    large, after = count()
    assert len(after.subjects[0].tests) == len(before.subjects[0].tests) + 5
    assert small == large
