"""Next steps: the next objectives on the ladder not yet secure, and agreed next steps."""

from datetime import date

import pytest
from django.urls import reverse

from nextsteps.assessment import lessons, summary
from nextsteps.assessment.next_steps import next_steps_for
from nextsteps.assessment.services import record_judgement
from nextsteps.curriculum.services import reorder_objectives, retire_objective
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(cast):
    return build_maths(cast.school)


def codes(result):
    return [o.code for o in result.steps]


def test_next_steps_climb_the_ladder_skipping_secure_objectives(cast, maths):
    g, o = maths.grades, maths.objectives
    assert codes(next_steps_for(cast.amara, maths.maths)) == ["MY3.1", "MY3.2", "MY3.3"]
    record_judgement(cast.amara, o[0], g["S"], by=cast.teacher)
    record_judgement(cast.amara, o[1], g["D"], by=cast.teacher)  # not secure yet
    record_judgement(cast.amara, o[2], g["M"], by=cast.teacher)
    result = next_steps_for(cast.amara, maths.maths)
    # MY3.2 still to secure, then on to the Year 4 ladder
    assert codes(result) == ["MY3.2", "MY4.1", "MY4.2"]
    assert result.steps[0].pupil_statement == "I can do Year 3 number step 2"
    assert result.stage == maths.y3 and (result.secure_in_stage, result.total_in_stage) == (2, 3)


def test_ladder_order_and_retired_objectives(cast, maths):
    o = maths.objectives
    reorder_objectives(maths.maths, [o[2].pk, o[0].pk, o[1].pk] + [x.pk for x in o[3:]])
    retire_objective(o[0])
    assert codes(next_steps_for(cast.amara, maths.maths)) == ["MY3.3", "MY3.2", "MY4.1"]


def test_a_pupil_at_a_later_stage_starts_there(cast, maths):
    # Zebedee is in Year 4: nothing from the Year 3 ladder
    assert codes(next_steps_for(cast.zebedee, maths.maths)) == ["MY4.1", "MY4.2", "MY4.3"]


def test_last_summary_and_agreed_next_steps(cast, maths):
    autumn, spring, _ = cast.year.assessment_points.order_by("date")
    exs = maths.summary.grades.get(short_label="EXS")
    wts = maths.summary.grades.get(short_label="WTS")
    summary.record_summary(cast.amara, maths.maths, spring, wts, by=cast.teacher)
    summary.record_summary(cast.amara, maths.maths, autumn, exs, by=cast.teacher)
    for day, subject, text in (
        (1, maths.maths, "Learn the 4 times table"),
        (2, None, "Read the question twice"),
        (3, maths.maths, ""),
    ):
        lessons.record_conversation(
            cast.amara,
            date=date(2025, 3, day),
            subject=subject,
            went_well="Good effort",
            next_steps=text,
            by=cast.teacher,
        )
    result = next_steps_for(cast.amara, maths.maths)
    assert result.last_summary.grade == wts  # the latest point, not the latest save
    assert [c.next_steps for c in result.agreed] == [
        "Read the question twice",
        "Learn the 4 times table",
    ]


def test_fragment_for_staff_only(cast, maths, client):
    url = reverse("assessment:pupil_next_steps", args=[cast.amara.pk])
    for role in ("teacher", "ta", "head", "senco", "trust_staff"):
        client.force_login(cast.users[role], backend="django.contrib.auth.backends.ModelBackend")
        response = client.get(url)
        assert response.status_code == 200, role
        assert "I can do Year 3 number step 1" in response.content.decode()
    for role in ("other_teacher", "parent", "pupil", "provider", "governor", "ap_head"):
        client.force_login(cast.users[role], backend="django.contrib.auth.backends.ModelBackend")
        response = client.get(url)
        assert response.status_code in (403, 404), role
        assert "Okonkwo" not in response.content.decode()
