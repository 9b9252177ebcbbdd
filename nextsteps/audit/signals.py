"""Every create, change and delete of our own records goes to the audit log, with before and
after values, whoever makes it (page, API, import, admin, command)."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_save

AUDITED_APPS = {
    "schools",
    "accounts",
    "interop",
    "curriculum",
    "assessment",
    "results",
    "tracking",
    "reviews",
    "support",
    "alerts",
    "interventions",
}
SKIPPED_FIELDS = {"password", "last_login", "digest", "version", "updated_at", "last_used_at"}
# Judgements are themselves an append-only log with who and when; CurrentJudgement is derived.
SKIPPED_MODELS = {
    "interop.importjob",
    "assessment.judgement",
    "assessment.currentjudgement",
    "results.normentry",  # loaded in bulk with its table, which is audited
    "results.resultimport",  # the uploaded file and its report; the results it writes are logged
    # A provider update is itself the frozen record of what was sent, to whom and when (its
    # deliveries); logging it would copy every student's ratings and comments into the log.
    "reviews.providerupdate",
}


def _audited(sender) -> bool:
    meta = sender._meta
    return meta.app_label in AUDITED_APPS and meta.label_lower not in SKIPPED_MODELS


def _snapshot(instance) -> dict:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        values[field.name] = field.value_to_string(instance)
    return values


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    before = None
    if instance.pk is not None:
        old = sender._base_manager.filter(pk=instance.pk).first()
        before = _snapshot(old) if old is not None else None
    instance._audit_before = before


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    from .services import record_change

    after = _snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record_change(instance, "create", {"after": after})
        return
    changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changed:
        record_change(instance, "update", {"changed": changed})


def _after_delete(sender, instance, **kwargs):
    if not _audited(sender):
        return
    from .services import record_change

    record_change(instance, "delete", {"before": _snapshot(instance)})


def connect():
    for model in apps.get_models():
        if _audited(model):
            pre_save.connect(
                _before_save, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}"
            )
            post_save.connect(
                _after_save, sender=model, dispatch_uid=f"audit-post-{model._meta.label}"
            )
            post_delete.connect(
                _after_delete, sender=model, dispatch_uid=f"audit-del-{model._meta.label}"
            )
