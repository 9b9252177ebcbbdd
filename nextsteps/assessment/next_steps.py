"""A pupil's next steps in a subject: where they are and what comes next on the ladder."""

from dataclasses import dataclass, field

from django.db.models import Q

from nextsteps.curriculum.models import SchoolFramework, Subject

from . import rules
from .models import Conversation, CurrentJudgement, SummaryJudgement

HOW_MANY = 3
RECENT_CONVERSATIONS = 3


@dataclass
class NextSteps:
    subject: Subject
    stage: object | None
    below_stage: bool
    secure_in_stage: int
    total_in_stage: int
    last_summary: SummaryJudgement | None
    steps: list = field(default_factory=list)  # objectives, ladder order
    agreed: list = field(default_factory=list)  # conversations with next steps, newest first


def next_steps_for(pupil, subject, *, on=None) -> NextSteps:
    """Where `pupil` is in `subject` (working stage, objectives secure in it, the latest summary
    judgement) and the next steps: the first three objectives on the ladder from the working
    stage upwards (stage order, then objective order) whose current judgement is not secure,
    plus the next steps agreed in the three most recent conversations about this subject or
    about no subject. The caller must have fetched `pupil` through visible_to."""
    standing = rules.standings([pupil], subject, on=on)[pupil.pk]
    secure_ids = set(
        CurrentJudgement.objects.filter(
            pupil=pupil, objective__subject=subject, grade__secure=True
        ).values_list("objective_id", flat=True)
    )
    steps = []
    if standing.stage is not None:
        for objective in rules.ladder(subject, standing.stage):
            if objective.pk not in secure_ids:
                steps.append(objective)
                if len(steps) == HOW_MANY:
                    break
    last = (
        SummaryJudgement.objects.filter(pupil=pupil, subject=subject)
        .select_related("grade", "assessment_point__academic_year")
        .order_by("-assessment_point__date", "-recorded_at", "-id")
        .first()
    )
    agreed = list(
        Conversation.objects.filter(Q(subject=subject) | Q(subject__isnull=True), pupil=pupil)
        .exclude(next_steps="")
        .select_related("staff")
        .order_by("-date", "-id")[:RECENT_CONVERSATIONS]
    )
    return NextSteps(
        subject=subject,
        stage=standing.stage,
        below_stage=standing.below_stage,
        secure_in_stage=sum(o.pk in secure_ids for o in standing.objectives),
        total_in_stage=len(standing.objectives),
        last_summary=last,
        steps=steps,
        agreed=agreed,
    )


def subjects_for(pupil):
    """Subjects of the frameworks used by the schools the pupil is currently enrolled at."""
    schools = pupil.enrolments.filter(end_date__isnull=True).values("school_id")
    frameworks = SchoolFramework.objects.filter(school_id__in=schools).values("framework_id")
    return Subject.objects.filter(framework_id__in=frameworks).select_related("framework")
