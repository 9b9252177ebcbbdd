"""What parents, carers and pupils see: their own child or themselves, in plain words."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from nextsteps.schools import policy
from nextsteps.schools.models import ClassStaff, Pupil


def _summary(pupil):
    today = timezone.localdate()
    enrolments = [
        e
        for e in pupil.enrolments.select_related("school", "year_group", "school_class")
        if e.current_on(today)
    ]
    teachers = ClassStaff.objects.filter(
        school_class__in=[e.school_class for e in enrolments if e.school_class], kind="teacher"
    ).select_related("user")
    return {"pupil": pupil, "enrolments": enrolments, "teachers": [t.user for t in teachers]}


@login_required
def me(request):
    pupil = Pupil.objects.visible_to(request.user).filter(user=request.user).first()
    if pupil is None:
        if policy.persona(request.user) == "parent":
            return redirect("home")
        raise PermissionDenied
    return render(request, "portal/child.html", {**_summary(pupil), "is_self": True})


@login_required
def child(request, pk):
    pupil = policy.get_pupil_for(request.user, pk)
    if pupil.user_id == request.user.pk:
        return redirect("portal:me")
    if not pupil.guardians.filter(user=request.user).exists():
        # staff use the full profile; the portal is for families
        return redirect("pupil_detail", pk=pupil.pk)
    from nextsteps.support.access import plans_visible_to

    shared = plans_visible_to(request.user).filter(pupil=pupil, status="open")
    return render(
        request,
        "portal/child.html",
        {**_summary(pupil), "is_self": False, "shared_plans": shared.order_by("review_date")},
    )
