"""The comparison pages under /results/compare/: who gets in, what the matrix and the
disagreement list show, bad choices, the CSV export and its guard, and flat query counts.
(Every role against every route is in tests/matrix/results_compare.py.)"""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.audit.models import AuditEvent
from nextsteps.schools import services
from tests.cast import add_pupils_to_oak
from tests.curriculum_cast import build_maths
from tests.results.test_comparison import judge, points, result, shipped, sit

pytestmark = pytest.mark.django_db


@pytest.fixture
def compared(cast):
    """3 Oak and 4 Ash in maths at the spring point: Amara agrees (at/at), Bartholomew's test
    is two steps above the teacher, Zebedee (4 Ash) has a judgement and no test. A diagnostic
    screening tagged maths says the opposite for Amara and must never show."""
    maths = build_maths(cast.school)
    point = points(cast)[1]
    sitting = sit(shipped(cast.school), point.date - timedelta(days=7), point=point)
    result(sitting, cast.amara, "at")
    result(sitting, cast.bartholomew, "above")
    for pupil, grade in ((cast.amara, "EXS"), (cast.bartholomew, "WTS"), (cast.zebedee, "GDS")):
        judge(pupil, maths.maths, point, grade, cast.teacher)
    screening = shipped(cast.school, "dyslexia-screening")
    screening.subject_code = "maths"
    screening.save()
    result(sit(screening, point.date - timedelta(days=1), point=point), cast.amara, "below")
    cast.objects.update(maths=maths, point=point)
    return cast


def query(c, **extra):
    return {"subject": c.maths.maths.pk, "point": c.point.pk, **extra}


def page(client, name, pk, params):
    return client.get(reverse(name, args=[pk]), params)


def test_class_page_shows_an_accessible_matrix_and_the_disagreements(compared, login):
    c = compared
    response = page(login(c.teacher), "results:compare_class", c.oak.pk, query(c))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<caption>Concordance of test and teacher for Mathematics" in body
    assert '<th scope="col">Teacher: at expected</th>' in body
    assert '<th scope="row">Test: above expected</th>' in body
    # Amara on the diagonal, marked in words; Bartholomew two steps off; percentages of two
    assert '<td class="agree"><strong>1</strong> <span class="muted">(50%)</span>' in body
    assert '<span class="tag">agree</span>' in body
    assert "2 pupils. 2 have both a test band and a summary judgement" in body
    assert "agree for 1 (50%)" in body
    disagreement = reverse("pupil_detail", args=[c.bartholomew.pk])
    assert f'<a href="{disagreement}">Bartholomew Quillfeather</a>' in body
    assert "2 steps: test higher than teacher" in body
    # the diagnostic screening is never part of it, and 4 Ash is not in 3 Oak's page
    assert "Dyslexia" not in body and "Indication of difficulty" not in body
    assert "Marchbanks" not in body
    # a class teacher has no export permission, so no download link
    assert "Download this list as CSV" not in body


def test_school_page_has_breakdowns_by_year_group_and_class(compared, login):
    c = compared
    response = page(login(c.head), "results:compare_school", c.school.pk, query(c))
    body = response.content.decode()
    assert response.status_code == 200
    assert "3 pupils. 2 have both" in body
    assert "1 has a summary judgement but no test" in body
    assert "Zebedee Marchbanks</a>: Greater depth" in body
    assert "<h2>By year group</h2>" in body and "<h2>By class</h2>" in body
    oak = reverse("results:compare_class", args=[c.oak.pk])
    assert f'href="{oak}?subject={c.maths.maths.pk}&amp;point={c.point.pk}">3 Oak</a>' in body
    assert "Download this list as CSV" in body


def test_year_group_page_for_senior_staff(compared, login):
    c = compared
    response = page(login(c.leader), "results:compare_year_group", c.y3.pk, query(c))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Year 3 at Oakfield Primary" in body and "Marchbanks" not in body


def test_who_is_refused(compared, login, client):
    c = compared
    # a teacher of another class cannot open 3 Oak's page: it is not found
    assert (
        page(login(c.other_teacher), "results:compare_class", c.oak.pk, query(c)).status_code == 404
    )
    # a class teacher may not compare across a year group or the school
    teacher = login(c.teacher)
    assert page(teacher, "results:compare_year_group", c.y3.pk, query(c)).status_code == 403
    assert page(teacher, "results:compare_school", c.school.pk, query(c)).status_code == 403
    # governors, parents, pupils and providers are refused everywhere
    for role in ("governor", "parent", "pupil", "provider"):
        user = login(getattr(c, role))
        assert user.get(reverse("results:compare")).status_code == 403, role
        for name, pk in (
            ("results:compare_class", c.oak.pk),
            ("results:compare_school", c.school.pk),
            ("results:compare_year_group", c.y3.pk),
        ):
            assert page(user, name, pk, query(c)).status_code in (403, 404), (role, name)
    # the head of another school cannot see this one's
    hub_head = login(c.ap_head)
    assert page(hub_head, "results:compare_school", c.school.pk, query(c)).status_code == 404


def test_a_choice_that_is_not_offered_is_a_clear_error(compared, login):
    c = compared
    client = login(c.head)
    other_school_point = c.hub_year.assessment_points.first()
    response = page(
        client, "results:compare_class", c.oak.pk, query(c, point=other_school_point.pk)
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose one of the assessment points listed." in body
    assert 'aria-describedby="f-point-error"' in body and "Concordance" not in body
    response = page(client, "results:compare_class", c.oak.pk, query(c, subject="x"))
    assert response.status_code == 400 and "Choose one of the subjects listed." in (
        response.content.decode()
    )


def test_without_a_choice_the_page_picks_a_tested_subject(compared, login):
    c = compared
    response = page(login(c.head), "results:compare_class", c.oak.pk, {})
    assert response.status_code == 200
    assert response.context["subject"] == c.maths.maths
    assert response.context["point"] in points(c)


def test_the_index_offers_what_the_user_may_compare_and_goes_there(compared, login):
    c = compared
    teacher = login(c.teacher)
    response = teacher.get(reverse("results:compare"))
    values = [v for _, options in response.context["options"] for v, _ in options]
    assert values == [f"class-{c.oak.pk}"]
    response = teacher.get(reverse("results:compare"), {"scope": f"class-{c.oak.pk}"})
    assert response.status_code == 302
    assert response.url == reverse("results:compare_class", args=[c.oak.pk])
    # a scope not offered to this user is refused with a message, not followed
    response = teacher.get(reverse("results:compare"), {"scope": f"school-{c.school.pk}"})
    assert response.status_code == 400
    assert "Choose one of the schools, year groups or classes listed." in response.content.decode()

    head = login(c.head)
    values = [
        v
        for _, options in head.get(reverse("results:compare")).context["options"]
        for v, _ in options
    ]
    assert values[:2] == [f"school-{c.school.pk}", f"year-group-{c.school.year_groups.first().pk}"]
    assert f"class-{c.ash.pk}" in values and f"class-{c.elm.pk}" not in values  # this year's


def test_export_lists_the_disagreements_safely_and_is_logged(compared, login):
    c = compared
    # a pupil whose preferred name would run as a spreadsheet formula
    [tricky] = add_pupils_to_oak(c, 1)
    services.update_pupil(tricky, {"preferred_last_name": '=HYPERLINK("x")'}, None)
    sitting = c.point.sittings.get(definition__code="standardised-maths")
    result(sitting, tricky, "below")
    judge(tricky, c.maths.maths, c.point, "EXS", c.teacher)

    response = login(c.head).get(
        reverse("results:compare_export", args=["class", c.oak.pk]), query(c)
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["UPN", "Last name", "First name", "Class"]
    body = [(r[1], r[3], r[7], r[9], r[10], r[11]) for r in rows[1:]]
    assert body == [
        (
            "Quillfeather",
            "3 Oak",
            "Above expected",
            "Below expected",
            "2",
            "test higher than teacher",
        ),
        (
            '\'=HYPERLINK("x")',
            "3 Oak",
            "Below expected",
            "At expected",
            "1",
            "teacher higher than test",
        ),
    ]
    event = AuditEvent.objects.get(action="export")
    assert event.actor == c.head and event.school == c.school and event.changes == {"rows": 2}
    assert "Mathematics" in event.what

    # class staff without the export permission are refused; so is a bad choice
    teacher = login(c.teacher)
    url = reverse("results:compare_export", args=["class", c.oak.pk])
    assert teacher.get(url, query(c)).status_code == 403
    head = login(c.head)
    assert head.get(url, query(c, point="0")).status_code == 400
    assert head.get(reverse("results:compare_export", args=["team", c.oak.pk])).status_code == 404


def test_the_school_page_reads_in_a_fixed_number_of_queries(compared, login):
    c = compared
    client = login(c.head)
    url = reverse("results:compare_school", args=[c.school.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, query(c))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count()
    sitting = c.point.sittings.get(definition__code="standardised-maths")
    for n, pupil in enumerate(add_pupils_to_oak(c, 12)):
        result(sitting, pupil, ["below", "at", "above"][n % 3])
        judge(pupil, c.maths.maths, c.point, ["WTS", "EXS", "GDS"][n // 3 % 3], c.teacher)
    assert count() == small
