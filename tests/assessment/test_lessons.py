"""Lessons, traffic-light feedback and learner conversations."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from nextsteps.assessment import lessons
from nextsteps.assessment.models import Conversation, Feedback
from nextsteps.schools.models import Pupil
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db

REFUSED = ("other_teacher", "parent", "pupil", "provider", "governor", "other_parent", "ap_head")


@pytest.fixture
def maths(cast):
    return build_maths(cast.school)


@pytest.fixture
def lesson(cast, maths):
    return lessons.create_lesson(
        cast.oak,
        date=date.today(),
        title="Column addition",
        learning_intention="To add three-digit numbers",
        objectives=maths.objectives[:2],
        by=cast.teacher,
    )


def hidden_surnames(user):
    visible = set(Pupil.objects.visible_to(user).values_list("pk", flat=True))
    return [p.legal_last_name for p in Pupil.objects.all() if p.pk not in visible]


def test_success_criteria_are_prefilled_from_the_objectives(lesson, maths):
    assert lesson.criteria() == ["criterion 1a", "criterion 1b", "criterion 2a", "criterion 2b"]
    assert list(lesson.objectives.all()) == maths.objectives[:2]


def test_objectives_must_come_from_the_schools_frameworks(cast):
    elsewhere = build_maths()  # not adopted by the school
    with pytest.raises(ValidationError) as refused:
        lessons.create_lesson(
            cast.oak,
            date=date.today(),
            learning_intention="x",
            objectives=elsewhere.objectives[:1],
            by=cast.teacher,
        )
    assert "frameworks this school uses" in str(refused.value)
    with pytest.raises(ValidationError):
        lessons.create_lesson(cast.oak, date=date.today(), learning_intention=" ", by=cast.teacher)


def test_feedback_is_append_only_and_the_latest_per_kind_shows(cast, lesson):
    amara, bart = cast.amara, cast.bartholomew
    lessons.record_feedback(lesson, amara, kind="teacher", light="red", by=cast.teacher)
    lessons.record_feedback(lesson, amara, kind="teacher", light="green", by=cast.ta)
    lessons.record_feedback(lesson, amara, kind="teacher", comment="Carried well", by=cast.ta)
    lessons.record_feedback(lesson, amara, kind="self", light="amber", by=cast.teacher)
    lessons.record_feedback(
        lesson, amara, kind="peer", light="green", partner=bart, by=cast.teacher
    )
    assert Feedback.objects.filter(lesson=lesson, pupil=amara).count() == 5
    latest = lessons.latest_feedback(lesson)
    teacher = latest[(amara.pk, "teacher")]
    assert teacher["light"].light == "green" and teacher["light"].given_by == cast.ta
    assert teacher["comment"].comment == "Carried well"
    assert latest[(amara.pk, "self")]["light"].light == "amber"
    peer = latest[(amara.pk, "peer")]["light"]
    assert peer.given_by_pupil == bart and peer.given_by == cast.teacher
    assert (bart.pk, "teacher") not in latest


def test_bad_feedback_is_refused_and_nothing_saved(cast, lesson):
    cases = [
        {"pupil": cast.amara, "kind": "peer", "light": "green"},  # no partner
        {"pupil": cast.amara, "kind": "peer", "light": "green", "partner": cast.amara},
        {"pupil": cast.amara, "kind": "peer", "light": "green", "partner": cast.zebedee},  # 4 Ash
        {"pupil": cast.zebedee, "kind": "teacher", "light": "green"},
        {"pupil": cast.amara, "kind": "teacher", "light": "purple"},
        {"pupil": cast.amara, "kind": "boss", "light": "red"},
        {"pupil": cast.amara, "kind": "teacher"},
    ]
    for case in cases:
        pupil = case.pop("pupil")
        with pytest.raises(ValidationError):
            lessons.record_feedback(lesson, pupil, by=cast.teacher, **case)
    assert not Feedback.objects.exists()


def test_capture_screen_saves_a_light_and_shows_it(cast, lesson, login):
    client = login(cast.ta)
    page = client.get(reverse("assessment:lesson_capture", args=[lesson.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Okonkwo-Test" in body and "Quillfeather" in body and "Marchbanks" not in body
    url = reverse("assessment:lesson_feedback", args=[lesson.pk])
    row = client.post(
        url, {"pupil": cast.amara.pk, "kind": "teacher", "light": "amber"}, HTTP_HX_REQUEST="true"
    )
    text = row.content.decode()
    assert row.status_code == 200 and "Saved teacher" in text
    assert f'id="fb-{cast.amara.pk}-teacher-amber" class="amber" aria-pressed="true"' in text
    refused = client.post(
        url, {"pupil": cast.amara.pk, "kind": "peer", "light": "red"}, HTTP_HX_REQUEST="true"
    )
    assert "Not saved: Choose the partner" in refused.content.decode()
    # a pupil from another class cannot be reached through this lesson
    other = client.post(url, {"pupil": cast.zebedee.pk, "kind": "teacher", "light": "red"})
    assert other.status_code == 302
    assert Feedback.objects.count() == 1


def test_new_lesson_form_prefills_then_saves(cast, maths, login):
    client = login(cast.teacher)
    url = reverse("assessment:lesson_create", args=[cast.oak.pk])
    page = client.get(url)
    assert page.status_code == 200 and "MY3.1" in page.content.decode()
    assert "MY4.1" not in page.content.decode()  # Year 4 objectives hidden for a Year 3 class
    data = {
        "date": "2025-01-14",
        "title": "Place value",
        "learning_intention": "To read numbers to 1000",
        "objectives": [maths.objectives[0].pk],
    }
    filled = client.post(url, {**data, "prefill": "1"})
    assert "criterion 1a\ncriterion 1b" in filled.content.decode()
    empty = client.post(url, {**data, "learning_intention": ""})
    assert "Enter the learning intention." in empty.content.decode()
    saved = client.post(url, data)
    lesson = cast.oak.lessons.get()
    assert saved.url == reverse("assessment:lesson_capture", args=[lesson.pk])
    assert lesson.criteria() == ["criterion 1a", "criterion 1b"]


@pytest.mark.parametrize("role", REFUSED + ("trust_staff",))
def test_outsiders_are_refused_lessons_and_see_no_names(cast, lesson, client, role):
    user = cast.users[role]
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    for response in (
        client.get(reverse("assessment:lesson_list", args=[cast.oak.pk])),
        client.get(reverse("assessment:lesson_capture", args=[lesson.pk])),
        client.post(
            reverse("assessment:lesson_feedback", args=[lesson.pk]),
            {"pupil": cast.amara.pk, "kind": "teacher", "light": "red"},
        ),
        client.get(reverse("assessment:conversations", args=[cast.amara.pk])),
    ):
        assert response.status_code in (403, 404), role
        for surname in hidden_surnames(user):
            assert surname not in response.content.decode()
    assert not Feedback.objects.exists()


def test_other_teacher_gets_not_found(cast, lesson, login):
    client = login(cast.other_teacher)
    assert client.get(reverse("assessment:lesson_capture", args=[lesson.pk])).status_code == 404


def test_conversations_are_recorded_and_listed(cast, maths, login):
    client = login(cast.teacher)
    url = reverse("assessment:conversations", args=[cast.amara.pk])
    blank = client.post(url, {"date": "2025-02-01", "went_well": "", "next_steps": ""})
    assert "Write what went well or the next steps agreed." in blank.content.decode()
    client.post(
        url,
        {
            "date": "2025-02-01",
            "subject": maths.maths.pk,
            "went_well": "Quick with number bonds",
            "next_steps": "Check answers with the inverse",
        },
    )
    conversation = Conversation.objects.get()
    assert conversation.staff == cast.teacher and conversation.subject == maths.maths
    assert "Check answers with the inverse" in client.get(url).content.decode()
