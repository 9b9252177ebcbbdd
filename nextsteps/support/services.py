"""Support plans and the SEN register: every change goes through these functions (pages, API,
demo, alerts and tests alike). Permission checks belong to the caller; these guard the data."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Plan


@transaction.atomic
def open_action_plan(pupil, *, school, owner, review_date, title, reason, opened_by=None) -> Plan:
    """Open an action plan for `pupil` at `school`, owned by `owner` and reviewed by
    `review_date`, starting today. `opened_by` None means NextSteps opened it (an alert).
    Writes the plan or nothing."""
    title = (title or "").strip()[:200]
    if not title:
        raise ValidationError({"title": "Give the plan a title."})
    if owner is None:
        raise ValidationError({"owner": "Choose who owns the plan."})
    today = timezone.localdate()
    if review_date is None:
        raise ValidationError({"review_date": "Choose when the plan is reviewed."})
    return Plan.objects.create(
        school=school,
        pupil=pupil,
        kind=Plan.Kind.ACTION_PLAN,
        title=title,
        reason=reason or "",
        owner=owner,
        start_date=today,
        review_date=review_date,
        opened_by=opened_by,
    )
