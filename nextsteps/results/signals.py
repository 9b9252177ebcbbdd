"""Every new school starts with the shipped assessment definitions."""

from django.db.models.signals import post_save


def _install_for_new_school(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .definitions import install_definitions

        install_definitions(instance)


def connect():
    from nextsteps.schools.models import School

    post_save.connect(
        _install_for_new_school, sender=School, dispatch_uid="results-install-definitions"
    )
