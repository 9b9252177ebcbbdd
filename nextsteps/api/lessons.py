"""Lessons with traffic-light feedback, learner conversations, summary judgements at
assessment points (with NextSteps' suggestion), point locks, and next steps."""

from datetime import date, datetime

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from nextsteps.assessment import lessons as lesson_services
from nextsteps.assessment import summary as summary_services
from nextsteps.assessment.models import Lesson
from nextsteps.assessment.next_steps import next_steps_for
from nextsteps.curriculum.models import Grade, Objective, Subject
from nextsteps.schools import policy
from nextsteps.schools.models import AssessmentPoint, Pupil, SchoolClass
from nextsteps.schools.queries import pupils_in_class

from .curriculum import frameworks_for
from .errors import OutOfScope, Refused, responses
from .scope import acting, caller, get_pupil, is_staff_for, require, require_for_pupil

router = Router(tags=["lessons and points"])


class FeedbackOut(Schema):
    id: int
    pupil_id: int
    kind: str
    light: str
    comment: str
    given_by: str | None
    partner_id: int | None = Field(None, alias="given_by_pupil_id")
    given_at: datetime

    @staticmethod
    def resolve_given_by(obj):
        return str(obj.given_by) if obj.given_by_id else None


class LessonOut(Schema):
    id: int
    class_id: int = Field(..., alias="school_class_id")
    date: date
    title: str
    learning_intention: str
    success_criteria: list[str]
    objective_ids: list[int]

    @staticmethod
    def resolve_success_criteria(obj):
        return obj.criteria()

    @staticmethod
    def resolve_objective_ids(obj):
        return [o.pk for o in obj.objectives.all()]


class LessonDetailOut(LessonOut):
    feedback: list[FeedbackOut]

    @staticmethod
    def resolve_feedback(obj):
        visible = obj._visible_pupils
        return [f for f in obj.feedback.select_related("given_by") if f.pupil_id in visible]


class LessonIn(Schema):
    date: date
    title: str = Field("", max_length=200)
    learning_intention: str
    objective_ids: list[int] = []
    success_criteria: str | None = Field(
        None, description="one per line; null fills them from the objectives"
    )


class FeedbackIn(Schema):
    pupil_id: int
    kind: str = Field(..., description="teacher, self or peer")
    light: str = Field("", description="red, amber, green, or empty with a comment")
    comment: str = ""
    partner_id: int | None = None


class ConversationOut(Schema):
    id: int
    pupil_id: int
    subject_id: int | None
    date: date
    staff: str | None
    went_well: str
    next_steps: str

    @staticmethod
    def resolve_staff(obj):
        return str(obj.staff) if obj.staff_id else None


class ConversationIn(Schema):
    date: date
    subject_id: int | None = None
    went_well: str = ""
    next_steps: str = ""


class SummaryRowOut(Schema):
    pupil_id: int
    stage: str | None
    below_stage: bool
    suggested_grade_id: int | None
    suggested: str | None
    reason: str
    current_grade_id: int | None
    current: str | None


class SummaryFilters(Schema):
    subject_id: int
    point_id: int


class SummaryIn(Schema):
    pupil_id: int
    subject_id: int
    point_id: int
    grade_id: int
    note: str = Field("", max_length=300)


class SummaryOut(Schema):
    id: int
    pupil_id: int
    subject_id: int
    point_id: int = Field(..., alias="assessment_point_id")
    grade_id: int | None
    suggested_id: int | None
    recorded_at: datetime


class LockOut(Schema):
    point_id: int
    locked: bool


class StepOut(Schema):
    objective_id: int
    code: str
    statement: str
    pupil_statement: str
    stage: str


class NextStepsOut(Schema):
    subject_id: int
    subject: str
    stage: str | None
    below_stage: bool
    secure_in_stage: int
    total_in_stage: int
    last_summary: str | None
    steps: list[StepOut]
    agreed: list[str]


def _class(user, class_id: int) -> SchoolClass:
    school_class = SchoolClass.objects.visible_to(user).filter(pk=class_id).first()
    if school_class is None:
        raise Http404
    return school_class


def _lesson(user, lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.filter(school_class__in=SchoolClass.objects.visible_to(user), pk=lesson_id)
        .select_related("school_class__school")
        .prefetch_related("objectives")
        .first()
    )
    if lesson is None:
        raise Http404
    return lesson


def _subject(user, subject_id: int) -> Subject:
    subject = Subject.objects.filter(pk=subject_id, framework__in=frameworks_for(user)).first()
    if subject is None:
        raise OutOfScope("subject_id", "No subject with that id is yours to use.")
    return subject


@router.get("/classes/{class_id}/lessons", response={200: list[LessonOut], **responses(404)})
def list_lessons(request, class_id: int):
    return Lesson.objects.filter(school_class=_class(caller(request), class_id)).prefetch_related(
        "objectives"
    )


@router.post("/classes/{class_id}/lessons", response={201: LessonOut, **responses(403, 404, 422)})
def create_lesson(request, class_id: int, payload: LessonIn):
    user = caller(request)
    school_class = _class(user, class_id)
    require(user, "record_judgements", school_class.school)
    objectives = list(Objective.objects.filter(pk__in=payload.objective_ids))
    if len(objectives) != len(set(payload.objective_ids)):
        raise OutOfScope("objective_ids", "Some of those objectives do not exist.")
    with acting(request):
        lesson = lesson_services.create_lesson(
            school_class,
            date=payload.date,
            learning_intention=payload.learning_intention,
            by=user,
            title=payload.title,
            objectives=objectives,
            success_criteria=payload.success_criteria,
        )
    return Status(201, lesson)


@router.get("/lessons/{lesson_id}", response={200: LessonDetailOut, **responses(404)})
def get_lesson(request, lesson_id: int):
    """The lesson with the feedback on the pupils you can see."""
    user = caller(request)
    lesson = _lesson(user, lesson_id)
    lesson._visible_pupils = set(
        pupils_in_class(user, lesson.school_class).values_list("pk", flat=True)
    )
    return lesson


@router.post(
    "/lessons/{lesson_id}/feedback", response={201: FeedbackOut, **responses(403, 404, 422)}
)
def add_feedback(request, lesson_id: int, payload: FeedbackIn):
    """Append one light or comment (a new record; the latest per pupil and kind is current)."""
    user = caller(request)
    lesson = _lesson(user, lesson_id)
    require(user, "record_judgements", lesson.school_class.school)
    visible = Pupil.objects.visible_to(user)
    pupil = visible.filter(pk=payload.pupil_id).first()
    if pupil is None:
        raise OutOfScope("pupil_id", "No pupil with that id is yours to see.")
    partner = None
    if payload.partner_id is not None:
        partner = visible.filter(pk=payload.partner_id).first()
        if partner is None:
            raise OutOfScope("partner_id", "No pupil with that id is yours to see.")
    with acting(request):
        feedback = lesson_services.record_feedback(
            lesson,
            pupil,
            kind=payload.kind,
            by=user,
            light=payload.light,
            comment=payload.comment,
            partner=partner,
        )
    return Status(201, feedback)


@router.get(
    "/pupils/{pupil_id}/conversations", response={200: list[ConversationOut], **responses(403, 404)}
)
def list_conversations(request, pupil_id: int):
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    if not is_staff_for(user, pupil):
        raise Refused()
    return pupil.conversations.select_related("staff")


@router.post(
    "/pupils/{pupil_id}/conversations", response={201: ConversationOut, **responses(403, 404, 422)}
)
def add_conversation(request, pupil_id: int, payload: ConversationIn):
    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    require_for_pupil(user, "record_judgements", pupil)
    subject = _subject(user, payload.subject_id) if payload.subject_id else None
    with acting(request):
        conversation = lesson_services.record_conversation(
            pupil,
            date=payload.date,
            by=user,
            went_well=payload.went_well,
            next_steps=payload.next_steps,
            subject=subject,
        )
    return Status(201, conversation)


def _point(user, point_id: int, school_class=None) -> AssessmentPoint:
    point = (
        AssessmentPoint.objects.filter(
            pk=point_id,
            academic_year__school_id__in=policy.school_ids_with(user, "view_school"),
        )
        .select_related("academic_year__school")
        .first()
    )
    if point is None or (school_class and point.academic_year_id != school_class.academic_year_id):
        raise OutOfScope("point_id", "No assessment point with that id for this class.")
    return point


@router.get("/classes/{class_id}/summaries", response={200: list[SummaryRowOut], **responses(404)})
def class_summaries(request, class_id: int, filters: Query[SummaryFilters]):
    """Each pupil's suggested summary judgement with its reason, and the current one."""
    user = caller(request)
    school_class = _class(user, class_id)
    subject = _subject(user, filters.subject_id)
    point = _point(user, filters.point_id, school_class)
    pupils = list(
        pupils_in_class(user, school_class).order_by("legal_last_name", "legal_first_name")
    )
    rows = summary_services.suggest_summary(pupils, subject, point)
    out = []
    for pupil in pupils:
        row = rows[pupil.pk]
        out.append(
            {
                "pupil_id": pupil.pk,
                "stage": row.standing.stage.name if row.standing.stage else None,
                "below_stage": row.standing.below_stage,
                "suggested_grade_id": row.suggested_grade.pk if row.suggested_grade else None,
                "suggested": row.suggested_grade.short_label if row.suggested_grade else None,
                "reason": row.suggestion.reason,
                "current_grade_id": row.current.grade_id if row.current else None,
                "current": row.current.grade.short_label
                if row.current and row.current.grade
                else None,
            }
        )
    return out


@router.post("/summaries", response={201: SummaryOut, **responses(403, 404, 422)})
def record_summary(request, payload: SummaryIn):
    """Record a summary judgement (a new record; refused while the point is locked)."""
    user = caller(request)
    pupil = Pupil.objects.visible_to(user).filter(pk=payload.pupil_id).first()
    if pupil is None:
        raise OutOfScope("pupil_id", "No pupil with that id is yours to see.")
    require_for_pupil(user, "record_judgements", pupil)
    subject = _subject(user, payload.subject_id)
    point = _point(user, payload.point_id)
    grade = Grade.objects.filter(pk=payload.grade_id).first()
    if grade is None:
        raise OutOfScope("grade_id", "No grade with that id.")
    with acting(request):
        summary = summary_services.record_summary(
            pupil, subject, point, grade, by=user, note=payload.note
        )
    return Status(201, summary)


def _lockable(request, point_id: int) -> AssessmentPoint:
    user = caller(request)
    point = _point(user, point_id)
    require(user, "lock_points", point.academic_year.school)
    return point


@router.post("/assessment-points/{point_id}/lock", response={200: LockOut, **responses(403, 404)})
def lock(request, point_id: int):
    point = _lockable(request, point_id)
    with acting(request):
        summary_services.lock_point(point, by=caller(request))
    return {"point_id": point.pk, "locked": True}


@router.delete("/assessment-points/{point_id}/lock", response={200: LockOut, **responses(403, 404)})
def unlock(request, point_id: int):
    point = _lockable(request, point_id)
    with acting(request):
        summary_services.unlock_point(point, by=caller(request))
    return {"point_id": point.pk, "locked": False}


@router.get("/pupils/{pupil_id}/next-steps", response={200: list[NextStepsOut], **responses(404)})
def next_steps(request, pupil_id: int, subject_id: int | None = None):
    """Where the pupil is in each subject and the next steps, in pupil-friendly wording."""
    from nextsteps.assessment.next_steps import subjects_for

    user = caller(request)
    pupil = get_pupil(user, pupil_id)
    subjects = subjects_for(pupil)
    if subject_id is not None:
        subjects = subjects.filter(pk=subject_id)
    out = []
    for subject in subjects:
        found = next_steps_for(pupil, subject, on=timezone.localdate())
        last = found.last_summary
        out.append(
            {
                "subject_id": subject.pk,
                "subject": subject.name,
                "stage": found.stage.name if found.stage else None,
                "below_stage": found.below_stage,
                "secure_in_stage": found.secure_in_stage,
                "total_in_stage": found.total_in_stage,
                "last_summary": last.grade.label if last and last.grade else None,
                "steps": [
                    {
                        "objective_id": o.pk,
                        "code": o.code,
                        "statement": o.statement,
                        "pupil_statement": o.pupil_statement or o.statement,
                        "stage": o.stage.name,
                    }
                    for o in found.steps
                ],
                "agreed": [c.next_steps for c in found.agreed],
            }
        )
    return out
