"""Lessons, traffic-light feedback and learner conversations: the services that write them and
the reads the capture screen needs. Permission checks belong to the caller (the views); these
functions guard the data itself."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from nextsteps.curriculum.models import Objective, SchoolFramework
from nextsteps.schools.models import Enrolment

from .models import Conversation, Feedback, Lesson


def school_objectives(school):
    """Active objectives of the frameworks the school uses."""
    frameworks = SchoolFramework.objects.filter(school=school).values("framework_id")
    return (
        Objective.objects.active()
        .filter(subject__framework_id__in=frameworks)
        .select_related("subject", "stage")
        .order_by("subject__framework_id", "subject__order", "stage__order", "order")
    )


def criteria_for(objectives) -> str:
    """The objectives' success criteria, one per line, without repeats: the prefill a teacher
    then edits."""
    lines = []
    for objective in objectives:
        for criterion in objective.success_criteria.all():
            if criterion.text not in lines:
                lines.append(criterion.text)
    return "\n".join(lines)


@transaction.atomic
def create_lesson(
    school_class,
    *,
    date,
    learning_intention: str,
    by,
    title: str = "",
    objectives=(),
    success_criteria: str | None = None,
) -> Lesson:
    """A lesson for `school_class`. Objectives must come from frameworks the class's school
    uses (ValidationError otherwise, nothing saved). When `success_criteria` is None it is
    prefilled from the objectives' success criteria."""
    intention = (learning_intention or "").strip()
    if not intention:
        raise ValidationError({"learning_intention": "Enter the learning intention."})
    objectives = list(objectives)
    allowed = set(
        school_objectives(school_class.school)
        .filter(pk__in=[o.pk for o in objectives])
        .values_list("pk", flat=True)
    )
    if any(o.pk not in allowed for o in objectives):
        raise ValidationError(
            {"objectives": "Choose objectives from the frameworks this school uses."}
        )
    if success_criteria is None:
        success_criteria = criteria_for(objectives)
    lesson = Lesson.objects.create(
        school_class=school_class,
        date=date,
        title=(title or "").strip()[:200],
        learning_intention=intention,
        success_criteria=success_criteria.strip(),
        created_by=by,
    )
    lesson.objectives.set(objectives)
    return lesson


def in_class(school_class, pupil_ids) -> set[int]:
    """Which of these pupils have ever been enrolled in the class."""
    return set(
        Enrolment.objects.filter(school_class=school_class, pupil_id__in=pupil_ids).values_list(
            "pupil_id", flat=True
        )
    )


def record_feedback(
    lesson, pupil, *, kind: str, by, light: str = "", comment: str = "", partner=None, at=None
) -> Feedback:
    """Append one piece of feedback: always a new row, never an edit, so the latest per pupil
    and kind is what shows and the history stays. Refuses (ValidationError, nothing saved) a
    pupil or partner not in the lesson's class, an unknown kind or light, a peer light without
    a partner or from the pupil themselves, and feedback with neither a light nor a comment."""
    if kind not in Feedback.Kind.values:
        raise ValidationError({"kind": "Choose teacher, self or peer feedback."})
    if light and light not in Feedback.Light.values:
        raise ValidationError({"light": "Choose red, amber or green."})
    comment = (comment or "").strip()
    if not light and not comment:
        raise ValidationError({"light": "Choose a light or write a comment."})
    members = in_class(lesson.school_class, [pupil.pk] + ([partner.pk] if partner else []))
    if pupil.pk not in members:
        raise ValidationError({"pupil": "That pupil is not in this lesson's class."})
    if kind == Feedback.Kind.PEER:
        if partner is None:
            raise ValidationError({"partner": "Choose the partner who gave the peer feedback."})
        if partner.pk == pupil.pk:
            raise ValidationError({"partner": "A partner cannot give themselves peer feedback."})
        if partner.pk not in members:
            raise ValidationError({"partner": "That partner is not in this lesson's class."})
    else:
        partner = None
    return Feedback.objects.create(
        lesson=lesson,
        pupil=pupil,
        kind=kind,
        light=light,
        comment=comment,
        given_by=by,
        given_by_pupil=partner,
        given_at=at or timezone.now(),
    )


def latest_feedback(lesson) -> dict:
    """{(pupil id, kind): {"light": Feedback, "comment": Feedback}}: the latest light and the
    latest comment each, since a comment saved on its own must not hide the light."""
    latest: dict = {}
    for item in lesson.feedback.select_related("given_by_pupil").order_by("given_at", "id"):
        slot = latest.setdefault((item.pupil_id, item.kind), {})
        if item.light:
            slot["light"] = item
        if item.comment:
            slot["comment"] = item
    return latest


def record_conversation(
    pupil, *, date, by, went_well: str = "", next_steps: str = "", subject=None
) -> Conversation:
    """A learner conversation, kept as written. Refuses (ValidationError) one with neither
    what went well nor next steps, and a subject from a framework none of the pupil's
    schools uses."""
    went_well, next_steps = (went_well or "").strip(), (next_steps or "").strip()
    if not went_well and not next_steps:
        raise ValidationError({"went_well": "Write what went well or the next steps agreed."})
    if subject is not None:
        schools = pupil.enrolments.values("school_id")
        if not SchoolFramework.objects.filter(
            school_id__in=schools, framework_id=subject.framework_id
        ).exists():
            raise ValidationError({"subject": "Choose a subject this pupil's school teaches."})
    return Conversation.objects.create(
        pupil=pupil,
        subject=subject,
        date=date,
        staff=by,
        went_well=went_well,
        next_steps=next_steps,
    )
