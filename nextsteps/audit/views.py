from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from nextsteps.schools import policy

from .models import AuditEvent


def _day(value, end=False):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


@login_required
def log(request):
    """The audit log for the head: every change and every sensitive read, filterable."""
    user = request.user
    if not (user.is_superuser or policy.school_ids_with(user, "view_audit")):
        raise PermissionDenied
    events = AuditEvent.objects.visible_to(user).select_related("actor", "school")
    f = request.GET
    if f.get("actor"):
        events = events.filter(actor_name__icontains=f["actor"].strip())
    if f.get("action") in AuditEvent.Action.values:
        events = events.filter(action=f["action"])
    if f.get("model"):
        events = events.filter(model__icontains=f["model"].strip())
    if f.get("pupil", "").isdigit():
        events = events.filter(pupil_id=int(f["pupil"]))
    if start := _day(f.get("from")):
        events = events.filter(at__gte=start)
    if end := _day(f.get("to"), end=True):
        events = events.filter(at__lte=end)
    page = Paginator(events, 100).get_page(f.get("page"))
    query = f.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"page": page, "actions": AuditEvent.Action.choices, "f": f, "query": query.urlencode()},
    )
