"""Writing the audit log. Changes are logged by signals (signals.py); reads by `record_read`."""

from .context import current_actor, current_source
from .models import AuditEvent


def _actor_fields(actor):
    if actor is None:
        return {"actor": None, "actor_name": "system"}
    return {"actor": actor, "actor_name": (actor.email or actor.username)[:200]}


def record_read(user, pupil, what: str, school=None) -> AuditEvent:
    """Log that `user` read sensitive data (`what`, e.g. "SEN details") about `pupil`."""
    return AuditEvent.objects.create(
        **_actor_fields(user if user is not None and user.is_authenticated else None),
        action=AuditEvent.Action.READ,
        model="schools.pupil",
        object_id=str(pupil.pk),
        object_repr=f"pupil #{pupil.pk}",
        pupil=pupil,
        school=school,
        what=what[:200],
        source=current_source(),
    )


def record_export(user, what: str, school=None, count: int = 0) -> AuditEvent:
    """Log that `user` exported a list of pupil data."""
    return AuditEvent.objects.create(
        **_actor_fields(user),
        action=AuditEvent.Action.EXPORT,
        model="export",
        school=school,
        what=what[:200],
        changes={"rows": count},
        source=current_source(),
    )


def record_change(instance, action: str, changes: dict) -> AuditEvent:
    school = getattr(instance, "audit_school", lambda: None)()
    pupil = getattr(instance, "audit_pupil", lambda: None)()
    return AuditEvent.objects.create(
        **_actor_fields(current_actor()),
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=_safe_repr(instance),
        school_id=getattr(school, "pk", school),
        pupil_id=getattr(pupil, "pk", pupil),
        changes=changes,
        source=current_source(),
    )


def _safe_repr(instance) -> str:
    try:
        return str(instance)[:200]
    except Exception:  # a half-built object must not stop the save being logged
        return f"{instance._meta.verbose_name} #{instance.pk}"
