"""Summary judgements at assessment points: suggestion from the objective judgements, recording,
accepting suggestions in bulk, and the assessment leader's lock."""

import importlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nextsteps.assessment import summary
from nextsteps.assessment.bulk import SummaryRow, import_summaries
from nextsteps.assessment.models import CurrentSummary, SummaryJudgement
from nextsteps.assessment.services import record_judgement
from nextsteps.curriculum.services import set_working_stage
from nextsteps.schools.models import Pupil
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(cast):
    return build_maths(cast.school)


def points(cast):
    return list(cast.year.assessment_points.order_by("date"))


def grade(maths, short):
    return maths.summary.grades.get(short_label=short)


def secure_all(cast, maths, pupil, objectives, short="S"):
    for objective in objectives:
        record_judgement(pupil, objective, maths.grades[short], by=cast.teacher)


def test_suggestion_follows_the_key_objectives_of_the_working_stage(cast, maths):
    autumn, spring, summer = points(cast)
    y3 = maths.objectives[:3]  # MY3.1 and MY3.2 are key, MY3.3 is not
    secure_all(cast, maths, cast.amara, y3[:1])
    record_judgement(cast.bartholomew, y3[0], maths.grades["N"], by=cast.teacher)
    pupils = [cast.amara, cast.bartholomew]
    at_autumn = summary.suggest_summary(pupils, maths.maths, autumn)
    # autumn: ceil(2 x 1/3) = 1 key objective due; Amara has it
    assert at_autumn[cast.amara.pk].suggested_grade == grade(maths, "EXS")
    assert at_autumn[cast.amara.pk].suggestion.reason == (
        "1 of 2 key Year 3 objectives secure by autumn; 1 expected."
    )
    assert at_autumn[cast.bartholomew.pk].suggested_grade == grade(maths, "WTS")
    # spring: 2 due, so one secure is working towards
    assert summary.suggest_summary(pupils, maths.maths, spring)[
        cast.amara.pk
    ].suggested_grade == grade(maths, "WTS")
    secure_all(cast, maths, cast.amara, y3, short="M")
    at_summer = summary.suggest_summary(pupils, maths.maths, summer)[cast.amara.pk]
    # 3 objectives at Mastery, above secure: at least half of the 3 due -> greater depth
    assert at_summer.suggested_grade == grade(maths, "GDS")


def test_a_pupil_working_below_their_year_is_never_suggested_expected(cast, maths):
    autumn = points(cast)[0]
    set_working_stage(cast.zebedee, maths.maths, maths.y3, since=cast.year.start_date)
    secure_all(cast, maths, cast.zebedee, maths.objectives[:3], short="M")
    row = summary.suggest_summary([cast.zebedee], maths.maths, autumn)[cast.zebedee.pk]
    assert row.standing.stage == maths.y3 and row.standing.below_stage
    assert row.suggested_grade == grade(maths, "WTS")
    assert "below expected stage" in row.suggestion.reason


def test_record_is_append_only_and_checks_the_scale(cast, maths):
    autumn = points(cast)[0]
    first = summary.record_summary(
        cast.amara, maths.maths, autumn, grade(maths, "WTS"), by=cast.teacher
    )
    again = summary.record_summary(
        cast.amara, maths.maths, autumn, grade(maths, "WTS"), by=cast.teacher
    )
    second = summary.record_summary(
        cast.amara, maths.maths, autumn, grade(maths, "EXS"), by=cast.ta
    )
    assert again == first and second != first
    assert SummaryJudgement.objects.count() == 2
    assert summary.current_summaries([cast.amara.pk], maths.maths, autumn)[cast.amara.pk] == second
    with pytest.raises(ValidationError, match="summary scale"):
        summary.record_summary(cast.amara, maths.maths, autumn, maths.grades["S"], by=cast.ta)
    with pytest.raises(ValidationError, match="not on roll"):
        summary.record_summary(cast.priya, maths.maths, autumn, grade(maths, "EXS"), by=cast.head)


def _current_rows(subject, point):
    return dict(
        CurrentSummary.objects.filter(subject=subject, assessment_point=point).values_list(
            "pupil_id", "judgement_id"
        )
    )


def test_current_summaries_stay_in_step_with_the_latest_judgement(cast, maths):
    """The analysis pages count CurrentSummary: it must name the latest row (recorded time,
    then id) for each pupil however the rows arrive: one at a time, backdated, or in bulk."""
    autumn = points(cast)[0]
    subject = maths.maths
    now = timezone.now()
    wts = summary.record_summary(cast.amara, subject, autumn, grade(maths, "WTS"), by=cast.ta)
    assert _current_rows(subject, autumn) == {cast.amara.pk: wts.pk}
    # a correction recorded as of last week is history, not the current judgement
    older = summary.record_summary(
        cast.amara,
        subject,
        autumn,
        grade(maths, "GDS"),
        by=cast.ta,
        at=now - timedelta(days=7),
    )
    assert older.pk != wts.pk
    assert _current_rows(subject, autumn) == {cast.amara.pk: wts.pk}
    rows = [
        SummaryRow(cast.amara.pk, grade(maths, "EXS").pk, now + timedelta(minutes=1)),
        SummaryRow(cast.bartholomew.pk, grade(maths, "WTS").pk, now - timedelta(days=1)),
        SummaryRow(cast.bartholomew.pk, grade(maths, "EXS").pk, now),
    ]
    assert import_summaries(subject, autumn, rows) == 3
    latest = {
        pupil: SummaryJudgement.objects.filter(
            pupil_id=pupil, subject=subject, assessment_point=autumn
        )
        .order_by("recorded_at", "id")
        .last()
        for pupil in (cast.amara.pk, cast.bartholomew.pk)
    }
    assert _current_rows(subject, autumn) == {p: j.pk for p, j in latest.items()}
    assert latest[cast.bartholomew.pk].grade == grade(maths, "EXS")
    assert CurrentSummary.objects.get(pupil=cast.amara).grade == grade(maths, "EXS")


def test_a_locked_point_refuses_everything_until_unlocked(cast, maths):
    autumn, spring, _ = points(cast)
    summary.lock_point(autumn, by=cast.leader)
    with pytest.raises(summary.PointLocked, match="is locked"):
        summary.record_summary(
            cast.amara, maths.maths, autumn, grade(maths, "EXS"), by=cast.teacher
        )
    summary.record_summary(cast.amara, maths.maths, spring, grade(maths, "EXS"), by=cast.teacher)
    assert summary.unlock_point(autumn, by=cast.leader)
    summary.record_summary(cast.amara, maths.maths, autumn, grade(maths, "EXS"), by=cast.teacher)
    assert SummaryJudgement.objects.count() == 2


def test_accept_all_fills_only_pupils_not_yet_judged(cast, maths, login):
    autumn = points(cast)[0]
    secure_all(cast, maths, cast.amara, maths.objectives[:1])
    secure_all(cast, maths, cast.bartholomew, maths.objectives[:1])
    summary.record_summary(
        cast.bartholomew, maths.maths, autumn, grade(maths, "WTS"), by=cast.teacher
    )
    client = login(cast.teacher)
    client.post(
        reverse("assessment:summary_accept", args=[cast.oak.pk]),
        {"point": autumn.pk, "subject": maths.maths.pk},
    )
    current = summary.current_summaries([cast.amara.pk, cast.bartholomew.pk], maths.maths, autumn)
    assert current[cast.amara.pk].grade == grade(maths, "EXS")
    assert current[cast.amara.pk].suggested == grade(maths, "EXS")
    assert current[cast.bartholomew.pk].grade == grade(maths, "WTS")  # the teacher's choice


def test_summary_screen_shows_evidence_and_saves_a_row(cast, maths, login):
    autumn = points(cast)[0]
    secure_all(cast, maths, cast.amara, maths.objectives[:1])
    client = login(cast.ta)
    url = reverse("assessment:summary", args=[cast.oak.pk])
    body = client.get(url, {"point": autumn.pk, "subject": maths.maths.pk}).content.decode()
    assert "1 of 2 key Year 3 objectives secure by autumn; 1 expected." in body
    assert "Quillfeather" in body and "Marchbanks" not in body
    assert "Lock Autumn" not in body  # the TA cannot lock
    row = client.post(
        reverse("assessment:summary_record", args=[cast.oak.pk]),
        {
            "pupil": cast.amara.pk,
            "point": autumn.pk,
            "subject": maths.maths.pk,
            "grade": grade(maths, "GDS").pk,
        },
        HTTP_HX_REQUEST="true",
    )
    text = row.content.decode()
    assert "Saved" in text and "Now: <strong>Greater depth</strong>" in text
    saved = SummaryJudgement.objects.get()
    assert saved.suggested == grade(maths, "EXS") and saved.recorded_by == cast.ta


def test_leader_locks_and_the_page_says_so(cast, maths, login):
    autumn = points(cast)[0]
    url = reverse("assessment:summary", args=[cast.oak.pk])
    lock_url = reverse("assessment:point_lock", args=[autumn.pk])
    assert login(cast.teacher).post(lock_url, {"action": "lock"}).status_code == 403
    client = login(cast.leader)
    page = f"{url}?point={autumn.pk}&subject={maths.maths.pk}"
    assert client.post(lock_url, {"action": "lock", "next": page}).url == page
    body = client.get(page).content.decode()
    assert "is locked by leader" in body and "Unlock Autumn" in body
    refused = client.post(
        reverse("assessment:summary_record", args=[cast.oak.pk]),
        {
            "pupil": cast.amara.pk,
            "point": autumn.pk,
            "subject": maths.maths.pk,
            "grade": grade(maths, "EXS").pk,
        },
        follow=True,
    )
    assert "is locked, so summary judgements cannot be recorded" in refused.content.decode()
    assert not SummaryJudgement.objects.exists()
    client.post(lock_url, {"action": "unlock", "next": page})
    assert not summary.is_locked(autumn)


@pytest.mark.parametrize(
    "role", ["other_teacher", "parent", "pupil", "provider", "governor", "trust_staff", "ap_head"]
)
def test_outsiders_are_refused_the_summary_screen(cast, maths, client, role):
    user = cast.users[role]
    autumn = points(cast)[0]
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    visible = set(Pupil.objects.visible_to(user).values_list("pk", flat=True))
    hidden = [p.legal_last_name for p in Pupil.objects.all() if p.pk not in visible]
    for response in (
        client.get(reverse("assessment:summary", args=[cast.oak.pk])),
        client.post(
            reverse("assessment:summary_record", args=[cast.oak.pk]),
            {
                "pupil": cast.amara.pk,
                "point": autumn.pk,
                "subject": maths.maths.pk,
                "grade": grade(maths, "EXS").pk,
            },
        ),
        client.post(reverse("assessment:summary_accept", args=[cast.oak.pk])),
        client.post(reverse("assessment:point_lock", args=[autumn.pk])),
    ):
        assert response.status_code in (403, 404), role
        for surname in hidden:
            assert surname not in response.content.decode()
    assert not SummaryJudgement.objects.exists() and not summary.is_locked(autumn)


def test_a_school_tunes_the_suggestion_rule_in_its_settings(cast):
    from decimal import Decimal

    from nextsteps.assessment.rules import thresholds_for

    default = thresholds_for(cast.school)
    cast.school.settings = {"suggestion_rule": {"expected_share": "0.75"}}
    cast.school.save()
    cast.school.refresh_from_db()
    tuned = thresholds_for(cast.school)
    assert tuned.expected_share == Decimal("0.75") != default.expected_share
    cast.school.settings = {"suggestion_rule": {"expected_share": "1.5"}}
    with pytest.raises(ValueError):
        thresholds_for(cast.school)


def test_the_migration_fills_current_summaries_from_the_history(cast, maths):
    """Databases from before CurrentSummary get one row per pupil, subject and point."""
    from django.apps import apps

    fill = importlib.import_module("nextsteps.assessment.migrations.0003_current_summary").fill
    autumn, spring, _ = points(cast)
    subject = maths.maths
    summary.record_summary(cast.amara, subject, autumn, grade(maths, "WTS"), by=cast.ta)
    last = summary.record_summary(cast.amara, subject, autumn, grade(maths, "EXS"), by=cast.ta)
    other = summary.record_summary(cast.amara, subject, spring, grade(maths, "GDS"), by=cast.ta)
    CurrentSummary.objects.all().delete()
    fill(apps, None)
    assert set(CurrentSummary.objects.values_list("assessment_point_id", "judgement_id")) == {
        (autumn.pk, last.pk),
        (spring.pk, other.pk),
    }
