"""School pages. Each view fetches what it shows *for this user* through policy/queries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from nextsteps.accounts.models import User
from nextsteps.audit.services import record_read
from nextsteps.results.timeline import pupil_timelines
from nextsteps.reviews.access import can_read_history
from nextsteps.tracking.access import can_read as can_read_tracking

from . import forms, policy, queries, services
from .models import (
    AssessmentPoint,
    Characteristic,
    ClassStaff,
    Group,
    Guardian,
    Placement,
    Pupil,
    Role,
    School,
    SchoolClass,
    Term,
)


def _school_for(request, permission: str) -> School:
    """The school a page is about: ?school=ID if the user holds `permission` there, else the
    first such school. 403 if they hold it nowhere."""
    ids = policy.school_ids_with(request.user, permission)
    if not ids:
        raise PermissionDenied
    wanted = request.GET.get("school") or request.POST.get("school")
    if wanted:
        try:
            wanted_id = int(wanted)
        except ValueError as exc:
            raise Http404 from exc
        if wanted_id not in ids:
            raise Http404
        return School.objects.get(pk=wanted_id)
    return School.objects.filter(pk__in=ids).order_by("name").first()


def _require(request, permission: str, school) -> None:
    if not policy.can(request.user, permission, school):
        raise PermissionDenied


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# ---------------------------------------------------------------- home pages


@login_required
def home(request):
    user = request.user
    kind = policy.persona(user)
    context = {"persona": kind}
    today = timezone.localdate()
    if kind == "staff":
        schools = queries.visible_schools(user)
        classes = [
            c
            for c in queries.classes_for(user).filter(
                academic_year__start_date__lte=today, academic_year__end_date__gte=today
            )
            if any(link.user_id == user.pk for link in c.staff_links.all())
        ]
        context.update(schools=schools, my_classes=classes, roles=policy._roles(user))
    elif kind == "trust":
        context["schools"] = queries.visible_schools(user)
    elif kind == "governor":
        context["aggregates"] = [
            (school, queries.school_aggregates(school))
            for school in queries.visible_schools(user, "view_aggregates")
        ]
    elif kind == "provider":
        context["placements"] = (
            Placement.objects.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=today),
                provider_id__in=policy.provider_ids(user),
                start_date__lte=today,
                pupil__in=Pupil.objects.visible_to(user),
            )
            .select_related("pupil", "school", "provider")
            .order_by("pupil__legal_last_name")
        )
    elif kind == "parent":
        context["children"] = Pupil.objects.visible_to(user).filter(guardians__user=user).distinct()
    elif kind == "pupil":
        return redirect("portal:me")
    return render(request, "schools/home.html", context)


@login_required
def governor_summary(request):
    school = _school_for(request, "view_aggregates")
    return render(
        request,
        "schools/aggregates.html",
        {"school": school, "aggregates": queries.school_aggregates(school)},
    )


# ---------------------------------------------------------------- classes


@login_required
def class_list(request):
    user = request.user
    if not (policy.school_ids_with(user, "view_school") or user.is_superuser):
        raise PermissionDenied
    years = {}
    for school_class in queries.classes_for(user).order_by(
        "-academic_year__start_date", "school__name", "year_group__stage", "name"
    ):
        years.setdefault((school_class.academic_year.name, school_class.school.name), []).append(
            school_class
        )
    manageable = queries.visible_schools(user, "manage_school")
    return render(request, "schools/class_list.html", {"years": years, "manageable": manageable})


@login_required
def class_create(request):
    school = _school_for(request, "manage_school")
    year = school.current_year()
    form = forms.ClassForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            school_class = services.create_class(
                school, year, form.cleaned_data["name"], form.cleaned_data["year_group"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Class {school_class.name} created.")
            return redirect("class_detail", pk=school_class.pk)
    return render(
        request, "schools/class_form.html", {"form": form, "school": school, "year": year}
    )


def _class_for(user, pk) -> SchoolClass:
    return get_object_or_404(SchoolClass.objects.visible_to(user), pk=pk)


@login_required
def class_detail(request, pk):
    user = request.user
    school_class = _class_for(user, pk)
    pupils = queries.pupils_in_class(user, school_class)
    group_id = request.GET.get("group")
    characteristic = request.GET.get("characteristic")
    if characteristic in queries.CHARACTERISTIC_FILTERS:
        pupils = queries.filter_by_characteristic(pupils, characteristic)
    groups = Group.objects.filter(school=school_class.school)
    if group_id and group_id.isdigit():
        pupils = pupils.filter(group_memberships__group_id=int(group_id))
    pupils = queries.with_current_facts(pupils.order_by("legal_last_name", "legal_first_name"))
    can_manage = policy.can(user, "manage_school", school_class.school)
    staff_form = None
    if can_manage:
        staff_form = forms.ClassStaffForm(staff=_school_staff(school_class.school))
    return render(
        request,
        "schools/class_detail.html",
        {
            "school_class": school_class,
            "pupils": pupils,
            "groups": groups,
            "filters": queries.CHARACTERISTIC_FILTERS,
            "selected_characteristic": characteristic,
            "selected_group": group_id,
            "staff_links": school_class.staff_links.select_related("user"),
            "can_manage": can_manage,
            "can_record": policy.can(user, "record_judgements", school_class.school),
            "staff_form": staff_form,
        },
    )


def _school_staff(school):
    """Users holding a staff role (not governor) at the school."""
    return (
        User.objects.filter(roles__school=school)
        .exclude(roles__kind=Role.Kind.GOVERNOR)
        .distinct()
        .order_by("last_name", "first_name")
    )


@login_required
@require_POST
def class_staff(request, pk):
    school_class = _class_for(request.user, pk)
    _require(request, "manage_school", school_class.school)
    if "remove" in request.POST:
        link = get_object_or_404(ClassStaff, pk=request.POST["remove"], school_class=school_class)
        services.remove_class_staff(school_class, link.user)
        messages.success(request, f"{link.user} removed from {school_class}.")
    else:
        form = forms.ClassStaffForm(request.POST, staff=_school_staff(school_class.school))
        if form.is_valid():
            services.assign_class_staff(
                school_class, form.cleaned_data["user"], form.cleaned_data["kind"]
            )
            messages.success(request, f"{form.cleaned_data['user']} added to {school_class}.")
        else:
            messages.error(request, "Choose a member of staff and their role in the class.")
    return redirect("class_detail", pk=school_class.pk)


# ---------------------------------------------------------------- pupils


@login_required
def pupil_list(request):
    user = request.user
    pupils = Pupil.objects.visible_to(user)
    q = request.GET.get("q", "").strip()
    if q:
        for word in q.split()[:4]:
            pupils = pupils.filter(
                Q(legal_first_name__icontains=word)
                | Q(legal_last_name__icontains=word)
                | Q(preferred_first_name__icontains=word)
                | Q(preferred_last_name__icontains=word)
                | Q(upn__iexact=word)
            )
    characteristic = request.GET.get("characteristic")
    if characteristic in queries.CHARACTERISTIC_FILTERS:
        pupils = queries.filter_by_characteristic(pupils, characteristic)
    show_left = request.GET.get("left") == "1"
    if not show_left:
        today = timezone.localdate()
        pupils = pupils.filter(
            Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=today),
            enrolments__start_date__lte=today,
        ).distinct()
    pupils = queries.with_current_facts(
        pupils.order_by("legal_last_name", "legal_first_name", "pk")
    )
    page = Paginator(pupils, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/pupil_list.html",
        {
            "page": page,
            "q": q,
            "filters": queries.CHARACTERISTIC_FILTERS,
            "selected_characteristic": characteristic,
            "show_left": show_left,
            "can_add": bool(policy.school_ids_with(user, "manage_pupils")),
        },
    )


def _pupil_schools(pupil):
    return {e.school_id for e in pupil.enrolments.all()} | {
        p.school_id for p in pupil.placements.all()
    }


def _can_manage_pupil(user, pupil) -> bool:
    return bool(_pupil_schools(pupil) & policy.school_ids_with(user, "manage_pupils"))


@login_required
def pupil_detail(request, pk):
    user = request.user
    pupil = policy.get_pupil_for(user, pk)
    if policy.persona(user) in {"parent", "pupil"}:
        return redirect("portal:child", pk=pupil.pk)
    today = timezone.localdate()
    characteristics = list(
        pupil.characteristics.select_related("recorded_by").order_by("kind", "-start_date")
    )
    sen_details_visible = policy.can_see_sen_details(user, pupil)
    if sen_details_visible and any(c.kind == "sen" and c.details for c in characteristics):
        record_read(user, pupil, "SEN details (pupil profile)")
    current = [c for c in characteristics if c.current_on(today)]
    enrolments = pupil.enrolments.select_related(
        "school", "year_group", "school_class", "academic_year"
    ).order_by("-start_date")
    placements = pupil.placements.select_related("provider", "school")
    if policy.provider_ids(user) and not user.is_superuser and not policy.is_staff_member(user):
        placements = placements.filter(provider_id__in=policy.provider_ids(user))
    timeline = _timeline(pupil, enrolments, characteristics, placements, sen_details_visible)
    can_manage = _can_manage_pupil(user, pupil)
    return render(
        request,
        "schools/pupil_detail.html",
        {
            "pupil": pupil,
            "current": current,
            "history": characteristics,
            "sen_details_visible": sen_details_visible,
            "enrolments": enrolments,
            "groups": pupil.pupil_groups.filter(
                school_id__in=policy.school_ids_with(user, "view_school")
            ),
            "guardians": pupil.guardians.all() if policy.is_staff_member(user) else [],
            "placements": placements,
            "timeline": timeline,
            "results_timeline": pupil_timelines(user, pupil, today=today),
            "can_track": can_read_tracking(user, pupil),
            "can_review": can_read_history(user, pupil),
            "can_manage": can_manage,
            "can_place": bool(
                policy.school_ids_with(user, "manage_placements") & _pupil_schools(pupil)
            ),
            "characteristic_form": forms.CharacteristicForm(initial={"start_date": today})
            if can_manage
            else None,
        },
    )


def _timeline(pupil, enrolments, characteristics, placements, sen_details_visible):
    events = []
    for e in enrolments:
        where = f"{e.year_group}, {e.school_class}" if e.school_class else str(e.year_group)
        events.append((e.start_date, f"Joined {where} at {e.school}"))
        if e.end_date:
            events.append((e.end_date, f"Left {where} ({e.leaving_reason or 'moved on'})"))
    for c in characteristics:
        text = f"{c.get_kind_display()}: {c.label}"
        if c.kind == "sen" and c.details and sen_details_visible:
            text += f" ({c.details})"
        events.append((c.start_date, text))
    for p in placements:
        events.append((p.start_date, f"Placed at {p.school} by {p.provider}"))
        if p.end_date:
            events.append((p.end_date, f"Placement by {p.provider} ends"))
    return sorted(events, key=lambda item: item[0], reverse=True)


@login_required
def pupil_create(request):
    school = _school_for(request, "manage_pupils")
    year = school.current_year()
    form = forms.PupilForm(request.POST or None, initial={"version": 1})
    form.fields["version"].required = False
    year_groups = school.year_groups.all()
    classes = SchoolClass.objects.filter(school=school, academic_year=year)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                pupil = services.create_pupil(**data)
                yg = year_groups.get(pk=request.POST.get("year_group"))
                school_class = classes.filter(pk=request.POST.get("school_class") or 0).first()
                services.enrol_pupil(
                    pupil, school, yg, school_class=school_class, academic_year=year
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except (ValueError, school.year_groups.model.DoesNotExist):
            form.add_error(None, "Choose the pupil's year group.")
        except IntegrityError:
            form.add_error("upn", "Another pupil already has this UPN.")
        else:
            messages.success(request, f"{pupil.name} added.")
            return redirect("pupil_detail", pk=pupil.pk)
    return render(
        request,
        "schools/pupil_form.html",
        {
            "form": form,
            "school": school,
            "year_groups": year_groups,
            "classes": classes,
            "creating": True,
        },
    )


@login_required
def pupil_edit(request, pk):
    user = request.user
    pupil = policy.get_pupil_for(user, pk)
    if not _can_manage_pupil(user, pupil):
        raise PermissionDenied
    conflict = None
    if request.method == "POST":
        form = forms.PupilForm(request.POST, instance=pupil)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.update_pupil(pupil, changes, form.cleaned_data["version"])
            except services.ConflictError as exc:
                conflict = exc.current
                form.add_error(None, str(exc))
            except ValidationError as exc:
                _apply_errors(form, exc)
            except IntegrityError:
                form.add_error("upn", "Another pupil already has this UPN.")
            else:
                messages.success(request, "Saved.")
                return redirect("pupil_detail", pk=pupil.pk)
    else:
        form = forms.PupilForm(instance=pupil, initial={"version": pupil.version})
    return render(
        request, "schools/pupil_form.html", {"form": form, "pupil": pupil, "conflict": conflict}
    )


@login_required
@require_POST
def pupil_characteristic(request, pk):
    user = request.user
    pupil = policy.get_pupil_for(user, pk)
    if not _can_manage_pupil(user, pupil):
        raise PermissionDenied
    form = forms.CharacteristicForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        details = data["details"] if data["kind"] == "sen" else ""
        services.set_characteristic(
            pupil,
            data["kind"],
            data["value"],
            start_date=data["start_date"],
            details=details,
            by=user,
        )
        messages.success(request, f"{Characteristic.Kind(data['kind']).label} recorded.")
    else:
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}",
            )
    return redirect("pupil_detail", pk=pupil.pk)


@login_required
def guardian_edit(request, pk, guardian_pk=None):
    user = request.user
    pupil = policy.get_pupil_for(user, pk)
    if not _can_manage_pupil(user, pupil):
        raise PermissionDenied
    guardian = get_object_or_404(Guardian, pk=guardian_pk, pupil=pupil) if guardian_pk else None
    form = forms.GuardianForm(request.POST or None, instance=guardian)
    if request.method == "POST" and form.is_valid():
        if guardian:
            services.update_guardian(guardian, **form.cleaned_data)
        else:
            services.add_guardian(pupil, **form.cleaned_data)
        messages.success(request, "Contact saved.")
        return redirect("pupil_detail", pk=pupil.pk)
    return render(
        request, "schools/guardian_form.html", {"form": form, "pupil": pupil, "guardian": guardian}
    )


@login_required
def placement_edit(request, pk, placement_pk=None):
    user = request.user
    pupil = policy.get_pupil_for(user, pk)
    centres = School.objects.filter(
        pk__in=policy.school_ids_with(user, "manage_placements") & _pupil_schools(pupil),
        kind=School.Kind.ALTERNATIVE_PROVISION,
    )
    if not centres.exists():
        raise PermissionDenied
    placement = (
        get_object_or_404(Placement, pk=placement_pk, pupil=pupil, school__in=centres)
        if placement_pk
        else None
    )
    form = forms.PlacementForm(request.POST or None, instance=placement)
    if request.method == "POST" and form.is_valid():
        try:
            if placement:
                services.update_placement(placement, **form.cleaned_data)
            else:
                data = dict(form.cleaned_data)
                services.place_pupil(
                    pupil,
                    data.pop("provider"),
                    centres.first(),
                    start_date=data.pop("start_date"),
                    end_date=data.pop("end_date"),
                    **data,
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Placement saved.")
            return redirect("pupil_detail", pk=pupil.pk)
    return render(
        request,
        "schools/placement_form.html",
        {"form": form, "pupil": pupil, "placement": placement},
    )


# ---------------------------------------------------------------- school settings


@login_required
def school_settings(request):
    school = _school_for(request, "manage_school")
    year_groups = school.year_groups.all()
    names_form = forms.YearGroupNamesForm(year_groups=year_groups)
    year_form = forms.AcademicYearForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "year_groups":
            names_form = forms.YearGroupNamesForm(request.POST, year_groups=year_groups)
            if names_form.is_valid():
                with transaction.atomic():
                    # two passes so that swapping names does not trip the unique constraint
                    for yg in names_form.year_groups:
                        new = names_form.cleaned_data[f"yg_{yg.pk}"]
                        if new != yg.name:
                            services.rename_year_group(yg, f"~{yg.pk}~")
                    for yg in names_form.year_groups:
                        new = names_form.cleaned_data[f"yg_{yg.pk}"]
                        if new != yg.name:
                            services.rename_year_group(yg, new)
                messages.success(request, "Year group names saved.")
                return redirect(f"{reverse('school_settings')}?school={school.pk}")
        elif action == "academic_year":
            year_form = forms.AcademicYearForm(request.POST)
            if year_form.is_valid():
                year = services.create_academic_year(
                    school,
                    year_form.cleaned_data["start_year"],
                    points=year_form.cleaned_data["points"],
                )
                messages.success(request, f"Academic year {year} is ready.")
                return redirect(f"{reverse('school_settings')}?school={school.pk}")
        elif action in {"term", "point"}:
            model = Term if action == "term" else AssessmentPoint
            item = get_object_or_404(model, pk=request.POST.get("id"), academic_year__school=school)
            form = forms.DatedItemForm(request.POST)
            if form.is_valid():
                services.update_dated_item(
                    item, **{k: v for k, v in form.cleaned_data.items() if v}
                )
                messages.success(request, f"{item.name} saved.")
            else:
                messages.error(request, "Give a name and valid dates.")
            return redirect(f"{reverse('school_settings')}?school={school.pk}")
    years = school.academic_years.prefetch_related("terms", "assessment_points").order_by(
        "-start_date"
    )
    return render(
        request,
        "schools/settings.html",
        {
            "school": school,
            "names_form": names_form,
            "year_form": year_form,
            "years": years,
            "schools": queries.visible_schools(request.user, "manage_school"),
        },
    )


# ---------------------------------------------------------------- staff and roles


@login_required
def staff_list(request):
    school = _school_for(request, "manage_staff")
    form = forms.StaffForm(request.POST or None)
    if request.method == "POST":
        if "revoke" in request.POST:
            role = get_object_or_404(Role, pk=request.POST["revoke"], school=school)
            if role.user_id == request.user.pk and role.kind == Role.Kind.HEAD:
                messages.error(request, "You cannot remove your own headteacher role.")
            else:
                services.revoke_role(role)
                messages.success(request, f"{role.user}: {role.get_kind_display()} removed.")
            return redirect(f"{reverse('staff_list')}?school={school.pk}")
        if form.is_valid():
            data = form.cleaned_data
            user, created = services.invite_staff(
                school,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
            )
            note = ""
            if created:
                sent = services.send_set_password_email(request, user)
                note = (
                    " An invitation to set a password has been emailed."
                    if sent
                    else " The invitation email could not be sent; use password reset to resend."
                )
            messages.success(request, f"{user} is now {Role.Kind(data['role']).label}.{note}")
            return redirect(f"{reverse('staff_list')}?school={school.pk}")
    roles = (
        Role.objects.filter(school=school)
        .select_related("user")
        .order_by("user__last_name", "kind")
    )
    people = {}
    for role in roles:
        people.setdefault(role.user, []).append(role)
    classes = ClassStaff.objects.filter(
        school_class__school=school, school_class__academic_year=school.current_year()
    ).select_related("school_class", "user")
    taught = {}
    for link in classes:
        taught.setdefault(link.user_id, []).append(link.school_class)
    return render(
        request,
        "schools/staff_list.html",
        {
            "school": school,
            "people": people,
            "taught": taught,
            "form": form,
            "schools": queries.visible_schools(request.user, "manage_staff"),
        },
    )


# ---------------------------------------------------------------- groups


@login_required
def group_list(request):
    school = _school_for(request, "view_school")
    groups = Group.objects.filter(school=school).order_by("kind", "name")
    can_manage = policy.can(request.user, "manage_groups", school)
    error = ""
    if request.method == "POST":
        _require(request, "manage_groups", school)
        try:
            group = services.create_group(
                school,
                request.POST.get("name", "").strip(),
                request.POST.get("kind", "custom"),
                request.POST.get("description", ""),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Group {group.name} created.")
            return redirect("group_detail", pk=group.pk)
    return render(
        request,
        "schools/group_list.html",
        {
            "school": school,
            "groups": groups,
            "can_manage": can_manage,
            "kinds": Group.Kind.choices,
            "error": error,
            "schools": queries.visible_schools(request.user),
        },
    )


@login_required
def group_detail(request, pk):
    user = request.user
    group = get_object_or_404(
        Group, pk=pk, school_id__in=policy.school_ids_with(user, "view_school")
    )
    visible = Pupil.objects.visible_to(user)
    can_manage = policy.can(user, "manage_groups", group.school)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        pupil = get_object_or_404(visible, pk=request.POST.get("pupil") or 0)
        if request.POST.get("action") == "remove":
            services.remove_from_group(group, pupil)
            messages.success(request, f"{pupil.name} removed from {group.name}.")
        else:
            services.add_to_group(group, pupil)
            messages.success(request, f"{pupil.name} added to {group.name}.")
        return redirect("group_detail", pk=group.pk)
    members = visible.filter(group_memberships__group=group).order_by("legal_last_name")
    hidden = group.memberships.count() - members.count()
    candidates = (
        visible.current_at(group.school)
        .exclude(pk__in=members.values("pk"))
        .order_by("legal_last_name")
        if can_manage
        else []
    )
    return render(
        request,
        "schools/group_detail.html",
        {
            "group": group,
            "members": members,
            "hidden": hidden,
            "can_manage": can_manage,
            "candidates": candidates,
        },
    )
