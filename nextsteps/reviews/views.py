"""Weekly review pages (/reviews/): the weekly screen for a class or group, saving its cells, the
school's review areas, a student's history, and the weekly updates to providers (their list,
one update, a leader's preview, sending now and sending again). Every view starts with an
access helper from access.py that fetches the object for this user."""

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from nextsteps.schools import policy
from nextsteps.schools.models import Group, Pupil, School, SchoolClass
from nextsteps.schools.services import ConflictError

from . import access, charts, queries, sending, services, updates
from .forms import AreaEditForm, AreaForm
from .models import Rating, ReviewArea, UpdateDelivery
from .weeks import WEEK, long_date, monday_of

MAX_CELLS = 500  # a whole group of 30 by 5 areas, several times over


def _this_week() -> date:
    return monday_of(timezone.localdate())


def _week_from(value) -> date:
    """The week asked for (any date in it), never after this week; this week if unreadable."""
    try:
        chosen = monday_of(date.fromisoformat(str(value)))
    except ValueError:
        return _this_week()
    return min(chosen, _this_week())


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# The weekly screen ----------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    """Choose a class or group; links to the areas and the provider updates."""
    user = request.user
    access.staff_only(user)
    today = timezone.localdate()
    classes = (
        SchoolClass.objects.visible_to(user)
        .filter(academic_year__start_date__lte=today, academic_year__end_date__gte=today)
        .select_related("school", "year_group")
        .order_by("school__name", "year_group__stage", "name")
    )
    school_ids = policy.school_ids_with(user, "view_school")
    groups = Group.objects.filter(school_id__in=school_ids).select_related("school")
    return render(
        request,
        "reviews/index.html",
        {
            "classes": classes,
            "groups": groups.order_by("school__name", "name"),
            "schools": School.objects.filter(pk__in=school_ids).order_by("name"),
            "managing": policy.school_ids_with(user, access.MANAGE),
            "week": _this_week(),
        },
    )


@login_required
@require_GET
def class_week(request, pk):
    school_class = access.class_for(request.user, pk)
    week = _week_from(request.GET.get("week"))
    return _screen(
        request,
        school=school_class.school,
        title=school_class.name,
        pupils=queries.class_pupils(request.user, school_class, week),
        week=week,
        here=reverse("reviews:class_week", args=[pk]),
    )


@login_required
@require_GET
def group_week(request, pk):
    group = access.group_for(request.user, pk)
    week = _week_from(request.GET.get("week"))
    return _screen(
        request,
        school=group.school,
        title=group.name,
        pupils=queries.group_pupils(request.user, group, week),
        week=week,
        here=reverse("reviews:group_week", args=[pk]),
    )


def _screen(request, *, school, title, pupils, week, here):
    user = request.user
    areas = services.active_areas(school)
    rows = queries.week_grid(pupils, areas, week)
    this_week = _this_week()
    return render(
        request,
        "reviews/week.html",
        {
            "title": title,
            "school": school,
            "week": week,
            "last_week": week - WEEK,
            "this_week": this_week,
            "previous_url": f"{here}?{urlencode({'week': week - WEEK})}",
            "next_url": f"{here}?{urlencode({'week': week + WEEK})}" if week < this_week else "",
            "current_url": here if week != this_week else "",
            "areas": areas,
            "rows": rows,
            "counts": queries.counts(rows),
            "can_record": access.can_record(user, school),
            "can_manage": access.manages(user, school),
            "ratings": Rating.choices,
        },
    )


def _cell_json(saved_rating) -> dict:
    if saved_rating is None:
        return {"rating": None, "comment": "", "version": 0, "by": None}
    who = saved_rating.recorded_by
    return {
        "rating": saved_rating.rating,
        "comment": saved_rating.comment,
        "version": saved_rating.version,
        "by": str(who) if who else None,
    }


class _Refused(Exception):
    def __init__(self, status, message, http):
        self.status, self.message, self.http = status, message, http
        super().__init__(message)


class _Saver:
    """What a batch of cells needs, loaded once: the students the user may see among them,
    the areas, and where the user may record."""

    def __init__(self, user, cells):
        self.user = user
        pupil_ids = {c.get("pupil") for c in cells if isinstance(c.get("pupil"), int)}
        area_ids = {c.get("area") for c in cells if isinstance(c.get("area"), int)}
        self.pupils = {p.pk: p for p in Pupil.objects.visible_to(user).filter(pk__in=pupil_ids)}
        self.recording = access.schools_recording(user)
        self.areas = {
            a.pk: a
            for a in ReviewArea.objects.filter(
                pk__in=area_ids, school_id__in=policy.school_ids_with(user, "view_school")
            ).select_related("school")
        }

    def save(self, cell) -> dict:
        result = {"pupil": cell.get("pupil"), "area": cell.get("area")}
        try:
            saved = self._save(cell)
        except _Refused as refused:
            result.update(status=refused.status, message=refused.message, http=refused.http)
        except services.StaleRating as stale:
            result.update(
                status="conflict", http=409, message=str(stale), **_cell_json(stale.current)
            )
        except ValidationError as exc:
            message = " ".join(m for ms in exc.message_dict.values() for m in ms)
            result.update(status="invalid", message=message, http=400)
        else:
            result.update(status="saved", http=200, **_cell_json(saved.rating))
        return result

    def _save(self, cell):
        pupil = self.pupils.get(cell.get("pupil"))
        area = self.areas.get(cell.get("area"))
        if pupil is None or area is None:
            raise _Refused("not_found", "That student or area was not found.", 404)
        if area.school_id not in self.recording:
            raise _Refused("refused", "You may not record weekly reviews at this school.", 403)
        try:
            week = date.fromisoformat(str(cell.get("week")))
        except ValueError:
            raise _Refused("invalid", "The page did not say which week.", 400) from None
        version = cell.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise _Refused("invalid", "The page did not say what the cell showed.", 400)
        rating = cell.get("rating")
        comment = cell.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise _Refused("invalid", "A comment is text.", 400)
        return services.record_rating(
            pupil, area, week, rating, expected_version=version, by=self.user, comment=comment
        )


@login_required
@require_POST
def save(request):
    """Save one cell or several. JSON in: {"cells": [{pupil, area, week (its Monday), rating
    ("R", "A", "G" or null to clear), comment (optional: left alone when missing), version (the
    version the page showed, 0 for an empty cell)}]}. Each cell is saved or refused on its own
    and reported in "results", in order; with one cell the HTTP status is that cell's (200,
    400, 403, 404, or 409 with what is stored now and who saved it)."""
    if not access.schools_recording(request.user):
        raise PermissionDenied
    if request.content_type != "application/json":
        return JsonResponse({"results": [], "saved": 0, "failed": 0})
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The request was not valid JSON."}, status=400)
    cells = payload.get("cells", []) if isinstance(payload, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return JsonResponse({"error": "Send a list of cells."}, status=400)
    if len(cells) > MAX_CELLS:
        return JsonResponse({"error": f"Send at most {MAX_CELLS} cells at once."}, status=400)
    saver = _Saver(request.user, cells)
    results = [saver.save(cell) for cell in cells]
    saved = sum(1 for r in results if r["status"] == "saved")
    status = results[0]["http"] if len(results) == 1 else 200
    return JsonResponse(
        {"results": results, "saved": saved, "failed": len(results) - saved}, status=status
    )


# Areas ----------------------------------------------------------------------------------------


@login_required
def areas(request):
    """A school's areas, in order, with a form to add one (for managers)."""
    user = request.user
    access.staff_only(user)
    schools = list(
        School.objects.filter(pk__in=policy.school_ids_with(user, "view_school")).order_by("name")
    )
    if not schools:
        raise PermissionDenied("Review areas belong to a school you work at.")
    wanted = request.POST.get("school") or request.GET.get("school")
    school = next((s for s in schools if str(s.pk) == str(wanted)), schools[0])
    can_manage = access.manages(user, school)
    form = AreaForm()
    if request.method == "POST":
        access.school_for_areas(user, school.pk, write=True)
        if request.POST.get("defaults"):
            made = services.ensure_default_areas(school)
            messages.success(request, f"Added {len(made)} area{'s' if len(made) != 1 else ''}.")
            return redirect(f"{reverse('reviews:areas')}?school={school.pk}")
        form = AreaForm(request.POST)
        if form.is_valid():
            try:
                area = services.add_area(school, **form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"Added {area.name}.")
                return redirect(f"{reverse('reviews:areas')}?school={school.pk}")
    listed = (
        ReviewArea.objects.filter(school=school)
        .annotate(rated=Count("ratings"))
        .order_by("order", "name")
    )
    return render(
        request,
        "reviews/areas.html",
        {
            "schools": schools,
            "school": school,
            "areas": listed,
            "can_manage": can_manage,
            "form": form,
            "suggested": services.DEFAULT_AREAS,
            "schedule": updates.schedule(school),
        },
    )


@login_required
def area_edit(request, pk):
    user = request.user
    area = access.area_for(user, pk, write=True)
    conflict = None
    if request.method == "POST":
        form = AreaEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_area(
                    area,
                    {k: data[k] for k in ("name", "description", "active")},
                    data["version"],
                )
            except ConflictError as exc:
                conflict = exc.current
                # Keep what they typed, now over the version saved meanwhile.
                form = AreaEditForm({**request.POST.dict(), "version": conflict.version})
                form.is_valid()
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect(f"{reverse('reviews:areas')}?school={area.school_id}")
    else:
        form = AreaEditForm(
            initial={
                "version": area.version,
                "name": area.name,
                "description": area.description,
                "active": area.active,
            }
        )
    return render(
        request,
        "reviews/area_form.html",
        {
            "form": form,
            "area": area,
            "conflict": conflict,
            "rated": area.ratings.count(),
        },
    )


@login_required
@require_POST
def area_move(request, pk):
    area = access.area_for(request.user, pk, write=True)
    direction = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if direction is not None:
        services.move_area(area, direction)
    return redirect(f"{reverse('reviews:areas')}?school={area.school_id}#area-{area.pk}")


# A student's history --------------------------------------------------------------------------

SPANS = {"12": 12, "26": 26, "all": None}


@login_required
@require_GET
def pupil_history(request, pk):
    scope = access.history_scope(request.user, pk)
    span = request.GET.get("weeks") if request.GET.get("weeks") in SPANS else "12"
    history = queries.pupil_history(scope, last=SPANS[span])
    return render(
        request,
        "reviews/pupil.html",
        {
            "pupil": scope.pupil,
            "history": history,
            "chart": charts.weekly_chart(history, scope.pupil.first_name),
            "span": span,
            "spans": [("12", "12 weeks"), ("26", "26 weeks"), ("all", "Every week")],
            "as_provider": scope.as_provider,
        },
    )


# Provider updates -----------------------------------------------------------------------------


def _provider_or_manager(user):
    if not (policy.provider_ids(user) or policy.school_ids_with(user, access.MANAGE)):
        raise PermissionDenied(
            "Weekly updates are for the providers who place students, and the centre's leaders."
        )


WEEKS_LISTED = 6


@login_required
@require_GET
def update_list(request):
    """Provider staff: their organisation's updates, newest first. The centre's leaders: each
    recent week's updates by provider, with how their emails went, and the week to come."""
    user = request.user
    _provider_or_manager(user)
    providers = policy.provider_ids(user)
    received = []
    if providers:
        received = list(
            access.updates_visible_to(user)
            .filter(provider_id__in=providers)
            .select_related("school", "provider")
            .order_by("-week", "school__name")[:200]
        )
    schools = []
    managed = School.objects.filter(pk__in=policy.school_ids_with(user, access.MANAGE))
    for school in managed.order_by("name"):
        schools.append(_school_overview(school))
    return render(
        request,
        "reviews/updates.html",
        {"received": received, "schools": schools, "now": timezone.now()},
    )


def _school_overview(school) -> dict:
    """This week and the five before it: for each, when the updates fall due, whether anything
    was rated, and for each provider with students placed then, its update and how its emails
    went."""
    now = timezone.now()
    this_week = _this_week()
    status = UpdateDelivery.Status

    def tally(*statuses):
        return Count("deliveries", filter=Q(deliveries__status__in=statuses))

    made = {
        (u.week, u.provider_id): u
        for u in school.provider_updates.filter(week__gt=this_week - WEEK * WEEKS_LISTED)
        .select_related("provider")
        .annotate(
            sent=tally(status.SENT),
            waiting=tally(status.PENDING, status.SENDING, status.FAILED),
            trouble=tally(status.UNCERTAIN, status.GAVE_UP),
        )
    }
    weeks = []
    for n in range(WEEKS_LISTED):
        week = this_week - WEEK * n
        rows = [
            {"provider": p, "update": made.get((week, p.pk))}
            for p in updates.providers_for(school, week)
        ]
        weeks.append(
            {
                "week": week,
                "due": updates.due_moment(school, week),
                "is_due": updates.is_due(school, week, now),
                "rated": updates.recorded_any(school, week),
                "rows": rows,
            }
        )
    return {"school": school, "schedule": updates.schedule(school), "weeks": weeks}


@login_required
@require_GET
def update_detail(request, pk):
    user = request.user
    update = access.update_for(user, pk)
    shown = access.shown_pupil_ids(user, update)
    managing = access.manages(user, update.school_id)
    deliveries = list(update.deliveries.order_by("address")) if managing else []
    listed = [s for s in update.summary["students"] if s["pupil_id"] in shown]
    students = updates.present(
        {"students": access.with_action_plans_for(user, listed, update.school)}
    )
    return render(
        request,
        "reviews/update.html",
        {
            "update": update,
            "students": students,
            "hidden": len(update.pupil_ids) - len(shown),
            "managing": managing,
            "deliveries": deliveries,
            "week": update.week,
        },
    )


@login_required
@require_GET
def preview(request, school_pk, provider_pk):
    """What a provider's update for a week says now (before it is made, or compared with the
    one made)."""
    user = request.user
    school = access.school_for_updates(user, school_pk)
    provider = access.provider_at(school, provider_pk)
    week = _week_from(request.GET.get("week"))
    summary = updates.build_summary(school, provider, week)
    made = school.provider_updates.filter(provider=provider, week=week).first()
    summary["students"] = access.with_action_plans_for(user, summary["students"], school)
    return render(
        request,
        "reviews/preview.html",
        {
            "school": school,
            "provider": provider,
            "week": week,
            "students": updates.present(summary),
            "recipients": updates.recipients(provider),
            "schedule": updates.schedule(school),
            "due": updates.due_moment(school, week),
            "made": made,
        },
    )


@login_required
@require_POST
def send_now(request, school_pk):
    """Make a week's updates now, even before they are due, and queue their emails."""
    user = request.user
    school = access.school_for_updates(user, school_pk)
    back = reverse("reviews:updates")
    try:
        week = monday_of(date.fromisoformat(request.POST.get("week", "")))
    except ValueError:
        messages.error(request, "Choose the week to send.")
        return redirect(back)
    if week > _this_week():
        messages.error(request, "That week has not started yet.")
        return redirect(back)
    results = updates.make_due_updates(school=school, week=week, by=user, early=True)
    made = sum(len(r.made) for r in results)
    notes = [r.note for r in results if r.note]
    from .tasks import send_updates

    send_updates.enqueue()
    if made:
        messages.success(
            request,
            f"Made {made} update{'s' if made != 1 else ''} for the week beginning "
            f"{long_date(week)}; the emails are being sent.",
        )
    else:
        messages.info(
            request, "Nothing new to send for that week" + (f": {notes[0]}." if notes else ".")
        )
    return redirect(back)


@login_required
@require_POST
def send_again(request, pk):
    delivery = access.delivery_for(request.user, pk)
    try:
        sending.send_again(delivery, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        from .tasks import send_updates

        send_updates.enqueue()
        messages.success(request, f"The email to {delivery.address} will be sent again.")
    return redirect(reverse("reviews:update", args=[delivery.update_id]) + "#deliveries")
