import pytest
from django.urls import reverse

from tests.cast import make_user

pytestmark = pytest.mark.django_db


def test_superuser_uses_the_admin_and_staff_cannot(cast, client):
    admin_user = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    for name, args in [
        ("admin:schools_pupil_changelist", []),
        ("admin:schools_pupil_change", [cast.amara.pk]),
        ("admin:schools_academicyear_change", [cast.year.pk]),
        ("admin:schools_schoolclass_change", [cast.oak.pk]),
        ("admin:audit_auditevent_changelist", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    page = client.get(
        reverse("admin:schools_pupil_changelist"), {"q": "Quillfeather"}
    ).content.decode()
    assert "Quillfeather" in page and "Marchbanks" not in page
    client.force_login(cast.head)
    response = client.get(reverse("admin:schools_pupil_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_audit_log_cannot_be_edited_in_the_admin(cast, client):
    from nextsteps.audit.models import AuditEvent

    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    event = AuditEvent.objects.first()
    assert (
        client.post(
            reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
