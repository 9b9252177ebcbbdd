"""A parent's page for their child lists the open plans shared with the family, and no other."""

import pytest
from django.urls import reverse

from nextsteps.support import services
from nextsteps.support.models import Plan

from .cast import add_support

pytestmark = pytest.mark.django_db


def test_the_family_page_lists_only_plans_shared_with_the_family(cast, login):
    add_support(cast)
    private = services.open_plan(
        cast.amara,
        school=cast.school,
        kind=Plan.Kind.IEP,
        title="Staff-only reading plan",
        owner=cast.senco,
        start_date=cast.year.start_date,
        review_date=cast.year.end_date,
        by=cast.senco,
    )
    body = login(cast.parent).get(reverse("portal:child", args=[cast.amara.pk])).content.decode()
    assert "Support plans shared with you" in body
    assert "Catching up in maths" in body
    assert private.title not in body
    other = login(cast.other_parent).get(reverse("portal:child", args=[cast.amara.pk]))
    assert other.status_code == 404
