"""Weekly RAG reviews and provider updates: review areas, a class's or group's ratings for a
week, one rating at a time (with the `version` you read: stale gives 409 with what is stored
now), a student's history, and the weekly updates to providers (list, one update, a leader's
preview, sending now, sending again). Scoped as the /reviews/ pages are (see
nextsteps.reviews.access): outside your scope is 404; seeing but not changing is 403."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from nextsteps.reviews import access, queries, sending, services, updates
from nextsteps.reviews.models import ReviewArea, WeeklyRating
from nextsteps.reviews.weeks import monday_of, parse_week
from nextsteps.schools import policy
from nextsteps.schools.models import Placement
from nextsteps.schools.services import ConflictError

from .errors import ErrorOut, OutOfScope, Refused, responses
from .scope import acting, caller

router = Router(tags=["reviews"])

RatingLetter = Literal["R", "A", "G"]


def _week(value: str | None, field: str = "week") -> date:
    if value is None:
        return monday_of(timezone.localdate())
    try:
        return parse_week(value)
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from None


# Areas ----------------------------------------------------------------------------------------


class ReviewAreaOut(Schema):
    id: int
    school_id: int
    name: str
    description: str
    order: int
    active: bool
    version: int


class ReviewAreaIn(Schema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=300)


class ReviewAreaPatch(Schema):
    version: int = Field(..., description="The version you read; a newer one on file gives 409")
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=300)
    active: bool | None = Field(None, description="false retires the area (ratings are kept)")
    move: Literal["up", "down"] | None = Field(None, description="One place up or down the list")


@router.get(
    "/schools/{school_id}/review-areas", response={200: list[ReviewAreaOut], **responses(403, 404)}
)
def list_areas(request, school_id: int, include_retired: bool = True):
    """The school's review areas in the order the weekly screen shows them."""
    school = access.school_for_areas(caller(request), school_id, write=False)
    areas = ReviewArea.objects.filter(school=school)
    if not include_retired:
        areas = areas.filter(active=True)
    return areas.order_by("order", "name")


@router.post(
    "/schools/{school_id}/review-areas", response={201: ReviewAreaOut, **responses(403, 404, 422)}
)
def add_area(request, school_id: int, payload: ReviewAreaIn):
    """Add an area at the end of the list (permission manage_reviews)."""
    school = access.school_for_areas(caller(request), school_id, write=True)
    with acting(request):
        area = services.add_area(school, name=payload.name, description=payload.description)
    return Status(201, area)


@router.patch(
    "/review-areas/{area_id}", response={200: ReviewAreaOut, **responses(403, 404, 409, 422)}
)
def update_area(request, area_id: int, payload: ReviewAreaPatch):
    """Rename, describe, retire or restore an area, or move it (permission manage_reviews).
    Send the `version` you read."""
    area = access.area_for(caller(request), area_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    move = changes.pop("move", None)
    for key in ("name", "description", "active"):
        if key in changes and changes[key] is None:
            raise ValidationError({key: "This field cannot be empty."})
    with acting(request):
        if changes:
            area = services.update_area(area, changes, version)
        elif area.version != version:
            raise ConflictError(area)
        if move:
            area = services.move_area(area, -1 if move == "up" else 1)
    return area


# Ratings for a class or group -----------------------------------------------------------------


class WeeklyCellOut(Schema):
    area_id: int
    rating: RatingLetter | None
    comment: str
    version: int = Field(..., description="Send this back when changing the cell; 0: empty")
    last_week: RatingLetter | None
    last_week_comment: str


class WeeklySheetRowOut(Schema):
    pupil_id: int
    first_name: str
    last_name: str
    cells: list[WeeklyCellOut]


class WeeklySheetOut(Schema):
    week: date
    school_id: int
    areas: list[ReviewAreaOut]
    rows: list[WeeklySheetRowOut]
    can_record: bool


class WeeklyFilter(Schema):
    week: str | None = Field(None, description="The Monday, YYYY-MM-DD; default this week")


def _sheet(user, school, pupils, week) -> dict:
    areas = services.active_areas(school)
    rows = queries.week_grid(pupils, areas, week)
    return {
        "week": week,
        "school_id": school.pk,
        "areas": areas,
        "can_record": access.can_record(user, school),
        "rows": [
            {
                "pupil_id": row.pupil.pk,
                "first_name": row.pupil.first_name,
                "last_name": row.pupil.last_name,
                "cells": [
                    {
                        "area_id": c.area.pk,
                        "rating": c.this.rating if c.this else None,
                        "comment": c.this.comment if c.this else "",
                        "version": c.this.version if c.this else 0,
                        "last_week": c.last.rating if c.last else None,
                        "last_week_comment": c.last.comment if c.last else "",
                    }
                    for c in row.cells
                ],
            }
            for row in rows
        ],
    }


@router.get(
    "/classes/{class_id}/weekly-ratings", response={200: WeeklySheetOut, **responses(403, 404, 422)}
)
def class_ratings(request, class_id: int, filters: Query[WeeklyFilter]):
    """The weekly screen for a class: its students you may see who were in it that week, by
    the school's areas in use, with last week's rating beside this week's."""
    user = caller(request)
    school_class = access.class_for(user, class_id)
    week = _week(filters.week)
    return _sheet(user, school_class.school, queries.class_pupils(user, school_class, week), week)


@router.get(
    "/groups/{group_id}/weekly-ratings", response={200: WeeklySheetOut, **responses(403, 404, 422)}
)
def group_ratings(request, group_id: int, filters: Query[WeeklyFilter]):
    """The weekly screen for a group: its members you may see who were on roll that week."""
    user = caller(request)
    group = access.group_for(user, group_id)
    week = _week(filters.week)
    return _sheet(user, group.school, queries.group_pupils(user, group, week), week)


# One rating -----------------------------------------------------------------------------------


class WeeklyRatingOut(Schema):
    pupil_id: int
    area_id: int
    area: str
    school_id: int
    week: date
    rating: RatingLetter | None = Field(..., description="null: not rated (the cell is empty)")
    comment: str
    version: int = Field(..., description="0 for an empty cell")
    recorded_by: str | None = Field(None, description="Not shown to providers")
    updated_at: datetime | None


class WeeklyRatingIn(Schema):
    area_id: int
    week: str = Field(..., description="The Monday of the week, YYYY-MM-DD")
    rating: RatingLetter | None = Field(..., description="null clears the cell (and its comment)")
    comment: str | None = Field(
        None, max_length=500, description="Omit (or null) to leave the comment as it is"
    )
    version: int = Field(..., ge=0, description="The version you read; 0 for an empty cell")


class WeeklyRatingConflictOut(ErrorOut):
    current_version: int = Field(..., description="0: the cell is empty now")
    current: WeeklyRatingOut


def _rating_out(pupil_id, area, week, rating: WeeklyRating | None, *, names=True) -> dict:
    return {
        "pupil_id": pupil_id,
        "area_id": area.pk,
        "area": area.name,
        "school_id": area.school_id,
        "week": week,
        "rating": rating.rating if rating else None,
        "comment": rating.comment if rating else "",
        "version": rating.version if rating else 0,
        "recorded_by": str(rating.recorded_by) if names and rating and rating.recorded_by else None,
        "updated_at": rating.updated_at if rating else None,
    }


@router.put(
    "/pupils/{pupil_id}/weekly-ratings",
    response={200: WeeklyRatingOut, 409: WeeklyRatingConflictOut, **responses(403, 404, 422)},
)
def put_rating(request, pupil_id: int, payload: WeeklyRatingIn):
    """Set or clear one rating (permission record_reviews at the area's school). Send the
    `version` you read (0 for an empty cell): if someone else has saved the cell since, nothing
    is written and the answer is 409 with what is stored now."""
    user = caller(request)
    pupil = policy.get_pupil_for(user, pupil_id)
    area = ReviewArea.objects.select_related("school").filter(pk=payload.area_id).first()
    if area is None or area.school_id not in policy.school_ids_with(user, "view_school"):
        raise OutOfScope("area_id", "No review area with that id at a school of yours.")
    if not access.can_record(user, area.school):
        raise Refused()
    week = _week(payload.week)
    try:
        with acting(request):
            saved = services.record_rating(
                pupil,
                area,
                week,
                payload.rating,
                expected_version=payload.version,
                by=user,
                comment=payload.comment,
            )
    except services.StaleRating as stale:
        current = _rating_out(pupil.pk, area, week, stale.current)
        return Status(
            409,
            {
                "detail": str(stale),
                "errors": [],
                "current_version": current["version"],
                "current": current,
            },
        )
    return _rating_out(pupil.pk, area, week, saved.rating)


class WeeklyHistoryFilter(Schema):
    since: str | None = Field(None, description="From the week of this Monday")
    until: str | None = Field(None, description="Up to the week of this Monday")


@router.get(
    "/pupils/{pupil_id}/weekly-ratings",
    response={200: list[WeeklyRatingOut], **responses(403, 404, 422)},
)
def pupil_ratings(request, pupil_id: int, filters: Query[WeeklyHistoryFilter]):
    """Every rating of the student you may read, oldest first: staff of their schools, and the
    provider that placed them (at the placement's centre, from the week it began)."""
    scope = access.history_scope(caller(request), pupil_id)
    ratings = WeeklyRating.objects.filter(
        pupil=scope.pupil, area__school_id__in=scope.school_ids
    ).select_related("area", "recorded_by")
    if filters.since:
        ratings = ratings.filter(week__gte=_week(filters.since, "since"))
    if filters.until:
        ratings = ratings.filter(week__lte=_week(filters.until, "until"))
    return [
        _rating_out(r.pupil_id, r.area, r.week, r, names=not scope.as_provider)
        for r in ratings.order_by("week", "area__order", "area__name")
        if scope.allows(r.area.school_id, r.week)
    ]


# Provider updates -----------------------------------------------------------------------------


class UpdateActionOut(Schema):
    title: str
    detail: str = ""
    review_date: str | None = None


class UpdateRatingOut(Schema):
    area_id: int
    area: str
    this: RatingLetter | None
    last: RatingLetter | None
    change: Literal["better", "worse", "same"] | None
    trend: Literal["falling", "rising", "steady", "mixed", "unknown"]
    trend_words: str
    comment: str
    history: list[RatingLetter | None] = Field(..., description="Oldest first, this week last")


class UpdateStudentOut(Schema):
    pupil_id: int
    name: str
    year_group: str
    placed_from: date | None
    placed_until: date | None
    rated: int = Field(..., description="Areas rated this week")
    overall: Literal["falling", "rising", "steady", "mixed", "unknown"]
    overall_words: str
    ratings: list[UpdateRatingOut]
    actions: list[UpdateActionOut]


class UpdateDeliveryOut(Schema):
    id: int
    recipient: str
    address: str
    status: str
    attempts: int
    message_id: str
    created_at: datetime
    sent_at: datetime | None
    retry_at: datetime | None
    error: str


class ProviderUpdateListOut(Schema):
    id: int
    school_id: int
    school: str
    provider_id: int
    provider: str
    week: date
    made_at: datetime
    subject: str
    students: int = Field(..., description="How many students the update is about")


class ProviderUpdateOut(ProviderUpdateListOut):
    students_shown: list[UpdateStudentOut] = Field(..., description="The students you may see")
    hidden: int = Field(..., description="Students no longer placed with you, not shown")
    deliveries: list[UpdateDeliveryOut] = Field(..., description="Only for the school's leaders")


def _update_head(update) -> dict:
    return {
        "id": update.pk,
        "school_id": update.school_id,
        "school": update.school.name,
        "provider_id": update.provider_id,
        "provider": update.provider.name,
        "week": update.week,
        "made_at": update.made_at,
        "subject": update.subject,
        "students": len(update.pupil_ids),
    }


class ProviderUpdateFilters(Schema):
    school_id: int | None = None
    provider_id: int | None = None
    week: str | None = Field(None, description="The Monday, YYYY-MM-DD")


@router.get("/provider-updates", response={200: list[ProviderUpdateListOut], **responses(422)})
def list_updates(request, filters: Query[ProviderUpdateFilters]):
    """The weekly updates you may read, newest first: your provider's, and every update of the
    schools where you manage reviews."""
    queryset = access.updates_visible_to(caller(request)).select_related("school", "provider")
    for name in ("school_id", "provider_id"):
        value = getattr(filters, name)
        if value is not None:
            queryset = queryset.filter(**{name: value})
    if filters.week:
        queryset = queryset.filter(week=_week(filters.week))
    ordered = queryset.order_by("-week", "school__name", "provider__name")[:500]
    return [_update_head(update) for update in ordered]


@router.get("/provider-updates/{update_id}", response={200: ProviderUpdateOut, **responses(404)})
def get_update(request, update_id: int):
    """One update as it was made: the students you may see in it (providers: those still
    placed with you), and for the school's leaders who it was emailed to and how that went."""
    user = caller(request)
    update = access.update_for(user, update_id)
    shown = access.shown_pupil_ids(user, update)
    students = access.with_action_plans_for(
        user, [s for s in update.summary["students"] if s["pupil_id"] in shown], update.school
    )
    managing = access.manages(user, update.school_id)
    return {
        **_update_head(update),
        "students_shown": students,
        "hidden": len(update.pupil_ids) - len(students),
        "deliveries": list(update.deliveries.order_by("address")) if managing else [],
    }


class UpdateRecipientOut(Schema):
    name: str
    address: str


class UpdatePreviewOut(Schema):
    school_id: int
    provider_id: int
    week: date
    due_at: datetime
    made_update_id: int | None = Field(..., description="The update already made, if any")
    emailed: bool = Field(..., description="false: the school shows updates in NextSteps only")
    recipients: list[UpdateRecipientOut]
    students: list[UpdateStudentOut]


class UpdatePreviewFilters(Schema):
    provider_id: int
    week: str | None = Field(None, description="The Monday, YYYY-MM-DD; default this week")


@router.get(
    "/schools/{school_id}/provider-updates/preview",
    response={200: UpdatePreviewOut, **responses(403, 404, 422)},
)
def preview_update(request, school_id: int, filters: Query[UpdatePreviewFilters]):
    """What a provider's update for the week says now (permission manage_reviews)."""
    school = access.school_for_updates(caller(request), school_id)
    if not Placement.objects.filter(school=school, provider_id=filters.provider_id).exists():
        raise OutOfScope("provider_id", "No provider with that id places students here.")
    provider = access.provider_at(school, filters.provider_id)
    week = _week(filters.week)
    summary = updates.build_summary(school, provider, week)
    made = school.provider_updates.filter(provider=provider, week=week).first()
    students = access.with_action_plans_for(caller(request), summary["students"], school)
    return {
        "school_id": school.pk,
        "provider_id": provider.pk,
        "week": week,
        "due_at": updates.due_moment(school, week),
        "made_update_id": made.pk if made else None,
        "emailed": updates.schedule(school).email,
        "recipients": [
            {"name": r.name, "address": r.address} for r in updates.recipients(provider)
        ],
        "students": students,
    }


class UpdateSendIn(Schema):
    week: str = Field(..., description="The Monday of the week to send, YYYY-MM-DD")


class UpdateSendOut(Schema):
    week: date
    made: list[int] = Field(..., description="Updates made by this call")
    already_made: list[int]
    note: str


@router.post(
    "/schools/{school_id}/provider-updates/send",
    response={202: UpdateSendOut, **responses(403, 404, 422)},
)
def send_updates(request, school_id: int, payload: UpdateSendIn):
    """Make the week's updates now, even before they are due, and queue their emails
    (permission manage_reviews). Updates already made are not made or sent again."""
    user = caller(request)
    school = access.school_for_updates(user, school_id)
    week = _week(payload.week)
    if week > monday_of(timezone.localdate()):
        raise ValidationError({"week": "That week has not started yet."})
    with acting(request):
        results = updates.make_due_updates(school=school, week=week, by=user, early=True)
    from nextsteps.reviews.tasks import send_updates as task

    task.enqueue()
    made = [u.pk for r in results for u in r.made]
    existing = [u.pk for r in results for u in r.existing]
    note = "; ".join(r.note for r in results if r.note)
    return Status(202, {"week": week, "made": made, "already_made": existing, "note": note})


@router.post(
    "/update-deliveries/{delivery_id}/send-again",
    response={200: UpdateDeliveryOut, **responses(403, 404, 422)},
)
def send_again(request, delivery_id: int):
    """Send again an email that may not have arrived, or that was given up on (permission
    manage_reviews): it goes with the next sending run."""
    user = caller(request)
    delivery = access.delivery_for(user, delivery_id)
    with acting(request):
        delivery = sending.send_again(delivery, by=user)
    from nextsteps.reviews.tasks import send_updates as task

    task.enqueue()
    return delivery
