"""The tracking pages: the year-group target page (suggestions filled in, one save, all or
nothing with the error beside each row), a pupil's page and history, goals and milestones with
concurrent edits, staff targets, who is refused, and flat query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nextsteps.tracking import services, targets
from nextsteps.tracking.models import PupilGoal, StaffTarget, Target

from .conftest import points_of, pupil_with_years, summary

pytestmark = pytest.mark.django_db


def bulk_url(cast, ladder):
    url = reverse("tracking:targets_bulk", args=[cast.y3.pk])
    return f"{url}?year={cast.year.pk}&subject={ladder.maths.pk}"


def post_data(cast, ladder, page):
    """The form as the page filled it in."""
    data = {"year": cast.year.pk, "subject": ladder.maths.pk}
    for line in page.context["lines"]:
        pk = line["pupil"].pk
        data[f"grade-{pk}"] = line["choice"]
        data[f"reason-{pk}"] = line["reason"]
        data[f"expected-{pk}"] = line["current"].pk if line["current"] else ""
    return data


def test_bulk_page_prefills_suggestions_and_saves_all_or_nothing(cast, ladder, history, login):
    client = login(cast.leader)
    page = client.get(bulk_url(cast, ladder))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Of 5 pupils at this school who were EXS at the end of Year 2" in body
    lines = {line["pupil"].pk: line for line in page.context["lines"]}
    assert set(lines) == {cast.amara.pk, cast.bartholomew.pk}  # Year 3 now
    assert lines[cast.amara.pk]["choice"] == str(ladder.summary["EXS"].pk)
    assert lines[cast.bartholomew.pk]["choice"] == ""  # nothing to suggest from

    # raise Amara without a reason and give Bartholomew one: refused, nothing saved
    data = post_data(cast, ladder, page)
    data[f"grade-{cast.amara.pk}"] = ladder.summary["GDS"].pk
    data[f"grade-{cast.bartholomew.pk}"] = ladder.summary["WTS"].pk
    refused = client.post(bulk_url(cast, ladder), data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Nothing was saved: 1 row needs attention" in text
    assert f'id="error-{cast.amara.pk}"' in text and "differs from the suggestion (EXS)" in text
    assert not Target.objects.exists()
    # the choices made are still there to put right
    again = {line["pupil"].pk: line for line in refused.context["lines"]}
    assert again[cast.bartholomew.pk]["choice"] == str(ladder.summary["WTS"].pk)

    data[f"reason-{cast.amara.pk}"] = "Strong reasoning in class"
    saved = client.post(bulk_url(cast, ladder), data)
    assert saved.status_code == 302
    assert {(t.pupil_id, t.grade.short_label, t.reason) for t in Target.objects.all()} == {
        (cast.amara.pk, "GDS", "Strong reasoning in class"),
        (cast.bartholomew.pk, "WTS", ""),
    }
    # the page now starts from the saved targets; saving it unchanged writes nothing
    page = client.get(bulk_url(cast, ladder))
    assert client.post(bulk_url(cast, ladder), post_data(cast, ladder, page)).status_code == 302
    assert Target.objects.count() == 2


def test_bulk_page_tells_of_a_target_changed_meanwhile(cast, ladder, history, login):
    client = login(cast.leader)
    page = client.get(bulk_url(cast, ladder))
    data = post_data(cast, ladder, page)
    targets.set_target(
        cast.amara, ladder.maths, cast.year, ladder.summary["GDS"], by=cast.head, reason="Capacity"
    )
    response = client.post(bulk_url(cast, ladder), data)
    assert response.status_code == 400
    assert "head changed this target while you were editing" in response.content.decode()
    assert Target.objects.count() == 1


def test_bulk_page_is_for_those_who_set_targets(cast, ladder, login):
    url = bulk_url(cast, ladder)
    assert login(cast.teacher).get(url).status_code == 403
    assert login(cast.ap_head).get(url).status_code == 404
    assert login(cast.leader).post(url, {"year": cast.year.pk}).status_code in (200, 302)
    assert login(cast.teacher).post(url, {}).status_code == 403


def test_one_target_with_history_on_the_pupils_page(cast, ladder, history, login):
    client = login(cast.head)
    url = reverse("tracking:target_set", args=[cast.amara.pk]) + f"?subject={ladder.maths.pk}"
    form = client.get(url)
    assert "Of 5 pupils" in form.content.decode()
    refused = client.post(
        url, {"subject": ladder.maths.pk, "grade": ladder.summary["GDS"].pk, "expected": ""}
    )
    assert refused.status_code == 400
    assert 'id="reason_error"' in refused.content.decode()
    ok = client.post(
        url,
        {
            "subject": ladder.maths.pk,
            "grade": ladder.summary["GDS"].pk,
            "reason": "Known capacity for improvement",
            "expected": "",
        },
    )
    assert ok.status_code == 302
    first = Target.objects.get()
    stale = client.post(
        url, {"subject": ladder.maths.pk, "grade": ladder.summary["EXS"].pk, "expected": ""}
    )
    assert stale.status_code == 400 and "changed this target" in stale.content.decode()
    client.post(
        url,
        {
            "subject": ladder.maths.pk,
            "grade": ladder.summary["EXS"].pk,
            "expected": first.pk,
        },
    )
    page = login(cast.teacher).get(reverse("tracking:pupil", args=[cast.amara.pk]))
    body = page.content.decode()
    assert "Target history (2 changes)" in body
    assert "Known capacity for improvement" in body
    assert login(cast.teacher).post(url, {"grade": ladder.summary["EXS"].pk}).status_code == 403


def test_pupil_pages_are_for_staff_who_see_the_pupil(cast, ladder, login):
    for name in ("tracking:pupil", "tracking:pupil_summary"):
        url = reverse(name, args=[cast.amara.pk])
        assert login(cast.teacher).get(url).status_code == 200
        assert login(cast.other_teacher).get(url).status_code == 404
        assert login(cast.governor).get(url).status_code == 404
        assert login(cast.other_parent).get(url).status_code == 404
        assert login(cast.parent).get(url).status_code == 403
        assert login(cast.pupil).get(url).status_code == 403
        assert login(cast.provider).get(url).status_code == 404


def test_class_page_shows_each_pupils_status_and_reason(cast, ladder, login):
    _, _, summer = points_of(cast.last_year)
    summary(cast.amara, ladder.maths, summer, ladder.summary["EXS"])
    targets.set_target(cast.amara, ladder.maths, cast.year, ladder.summary["EXS"], by=cast.leader)
    url = reverse("tracking:class", args=[cast.oak.pk]) + f"?subject={ladder.maths.pk}"
    page = login(cast.ta).get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Target EXS" in body and "No key Year 3 objectives judged yet." in body
    assert "No target set for this year." in body  # Bartholomew
    assert login(cast.other_teacher).get(url).status_code == 404
    assert login(cast.parent).get(url).status_code == 404


def test_goals_are_added_and_concurrent_edits_are_never_lost(cast, ladder, login):
    client = login(cast.teacher)
    add = reverse("tracking:goal_add", args=[cast.amara.pk])
    blank = client.post(add, {"kind": "numeracy", "text": "", "status": "not_started"})
    assert blank.status_code == 200 and "This field is required" in blank.content.decode()
    objective = ladder.key[3][0]
    response = client.post(
        add,
        {
            "kind": "numeracy",
            "text": "I can count in fours",
            "objective": objective.pk,
            "status": "working",
            "review_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    goal = PupilGoal.objects.get()
    assert (goal.objective, goal.created_by, goal.version) == (objective, cast.teacher, 1)
    edit = reverse("tracking:goal_edit", args=[goal.pk])
    mine = {"kind": "numeracy", "text": "I can count in fours and eights", "status": "working"}
    theirs = {"kind": "numeracy", "text": "I can count in fours", "status": "achieved"}
    assert login(cast.ta).post(edit, {**theirs, "version": 1}).status_code == 302
    conflict = login(cast.teacher).post(edit, {**mine, "version": 1})
    body = conflict.content.decode()
    assert conflict.status_code == 200
    assert "Someone else saved a change while you were editing" in body
    assert "I can count in fours and eights" in body  # the editor's words are kept
    goal.refresh_from_db()
    assert (goal.status, goal.text, goal.version) == ("achieved", "I can count in fours", 2)
    # saving again, now knowingly, replaces it
    assert login(cast.teacher).post(edit, {**mine, "version": 2}).status_code == 302
    goal.refresh_from_db()
    assert goal.text == "I can count in fours and eights"
    assert login(cast.other_teacher).get(edit).status_code == 404
    assert login(cast.parent).post(edit, {**mine, "version": 3}).status_code == 403


def test_milestones_need_sensible_dates_and_their_own_subject(cast, ladder, login):
    client = login(cast.senco)
    add = reverse("tracking:milestone_add", args=[cast.bartholomew.pk])
    today = timezone.localdate()
    data = {
        "subject": ladder.maths.pk,
        "description": "Number bonds to 10",
        "objectives": [ladder.key[2][0].pk, ladder.key[2][1].pk],
        "start_date": today.isoformat(),
        "due_date": (today - timedelta(days=1)).isoformat(),
    }
    refused = client.post(add, data)
    assert "The due date cannot be before the start date." in refused.content.decode()
    data["due_date"] = (today + timedelta(days=40)).isoformat()
    assert client.post(add, data).status_code == 302
    milestone = cast.bartholomew.milestones.get()
    assert {o.code for o in milestone.objectives.all()} == {"M2.1", "M2.2"}
    edit = reverse("tracking:milestone_edit", args=[milestone.pk])
    data.update(version=1, achieved_at=today.isoformat())
    assert client.post(edit, data).status_code == 302
    stale = client.post(edit, {**data, "description": "Bonds to 20"})
    assert "Someone else saved a change" in stale.content.decode()
    milestone.refresh_from_db()
    assert (milestone.achieved_at, milestone.description) == (today, "Number bonds to 10")


def test_staff_targets_are_your_own_unless_you_lead(cast, ladder, login):
    mine = services.add_staff_target(
        cast.school, cast.teacher, text="Model fluent reading daily", by=cast.head
    )
    other = services.add_staff_target(
        cast.school,
        cast.other_teacher,
        text="Group work in maths",
        pupils=[cast.zebedee],
        by=cast.head,
    )
    teacher = login(cast.teacher).get(reverse("tracking:staff_targets"))
    assert "Model fluent reading daily" in teacher.content.decode()
    assert "Group work in maths" not in teacher.content.decode()
    head = login(cast.head).get(reverse("tracking:staff_targets")).content.decode()
    assert "Group work in maths" in head and "Zebedee" in head
    assert (
        login(cast.teacher).get(reverse("tracking:staff_target_edit", args=[other.pk])).status_code
        == 404
    )
    # a teacher adds a target only for themselves
    response = login(cast.teacher).post(
        reverse("tracking:staff_targets"),
        {"school": cast.school.pk, "user": cast.other_teacher.pk, "text": "x", "status": "working"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = login(cast.teacher).post(
        reverse("tracking:staff_targets"),
        {
            "school": cast.school.pk,
            "user": cast.teacher.pk,
            "text": "Check phonics groups weekly",
            "pupils": [cast.amara.pk],
            "status": "working",
        },
    )
    assert response.status_code == 302
    added = StaffTarget.objects.get(text="Check phonics groups weekly")
    assert list(added.pupils.all()) == [cast.amara]
    # the head edits the teacher's target; Zebedee (not the teacher's) is never shown to them
    assert mine.pk
    assert login(cast.trust_staff).get(reverse("tracking:staff_targets")).status_code == 403
    assert login(cast.governor).get(reverse("tracking:staff_targets")).status_code == 403


def test_a_staff_target_keeps_pupils_the_editor_cannot_see(cast, ladder, login):
    target = services.add_staff_target(
        cast.school,
        cast.teacher,
        text="Reading fluency",
        pupils=[cast.amara, cast.zebedee],
        by=cast.head,
    )
    edit = reverse("tracking:staff_target_edit", args=[target.pk])
    page = login(cast.teacher).get(edit)
    assert "Zebedee" not in page.content.decode()
    response = login(cast.teacher).post(
        edit,
        {"version": 1, "user": cast.teacher.pk, "text": "Reading fluency", "status": "working"},
    )
    assert response.status_code == 302
    assert set(target.pupils.all()) == {cast.zebedee}  # Amara removed, Zebedee kept


def test_pages_stay_flat_as_the_class_grows(cast, ladder, login):
    def grow(count):
        for _ in range(count):
            pupil = pupil_with_years(cast, {cast.year: 3})
            from nextsteps.schools.services import enrol_pupil

            enrol_pupil(
                pupil,
                cast.school,
                cast.y3,
                school_class=cast.oak,
                academic_year=cast.year,
                start_date=cast.year.start_date,
            )
            targets.set_target(
                pupil, ladder.maths, cast.year, ladder.summary["EXS"], by=cast.leader
            )

    def measure():
        counts = {}
        for name, user, url in (
            ("class", cast.teacher, reverse("tracking:class", args=[cast.oak.pk])),
            ("bulk", cast.leader, bulk_url(cast, ladder)),
        ):
            client = login(user)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts[name] = len(ctx.captured_queries)
        return counts

    grow(2)
    small = measure()
    grow(10)
    assert measure() == small


def test_a_pupil_working_below_their_year_sees_small_steps_not_expectations(cast, ladder, login):
    from nextsteps.curriculum.services import set_working_stage

    from .conftest import judge

    bart, y2 = cast.bartholomew, ladder.key[2]
    start = cast.year.start_date
    set_working_stage(bart, ladder.maths, ladder.stages[2], since=start, by=cast.senco)
    targets.set_target(bart, ladder.maths, cast.year, ladder.summary["BLW"], by=cast.leader)
    judge(bart, y2[:1], ladder.grades["S"], start - timedelta(days=30))  # before: not a new step
    during = min(start + timedelta(days=5), timezone.localdate())
    judge(bart, y2[1:3], ladder.grades["S"], during)
    judge(bart, y2[3:4], ladder.grades["D"], during)
    page = login(cast.teacher).get(reverse("tracking:pupil", args=[bart.pk]))
    body = page.content.decode()
    assert "progress against Bartholomew's own milestones" in body
    assert f"2 objectives secured since {start.day} {start:%B %Y}" in body
    assert "M2.2" in body and "M2.3" in body
    assert "Working at Year 2 in Year 3: judged against their own milestones" in body
    assert "expected" not in body.split("Small steps")[0].split("own milestones")[1]
    tomorrow = timezone.localdate() + timedelta(days=1)
    url = reverse("tracking:pupil", args=[bart.pk])
    later = login(cast.teacher).get(f"{url}?since={tomorrow}")
    assert "0 objectives secured since" in later.content.decode()
