"""Committed query-count baselines for the busiest pages (tests/query_counts.json), in the
manner of netbox: a change that adds queries to these pages fails here and must update the
file on purpose. Each page is also checked to stay flat as its data grows."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.assessment.services import record_judgement
from nextsteps.schools import services
from tests.assessment.test_markbook_queries import grow
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db

BASELINES = Path(__file__).with_name("query_counts.json")


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def pages(cast, maths):
    return {
        "markbook_class": (cast.teacher, reverse("assessment:markbook_class", args=[cast.oak.pk])),
        "pupil_detail": (cast.head, reverse("pupil_detail", args=[cast.amara.pk])),
        "pupil_next_steps": (
            cast.teacher,
            reverse("assessment:pupil_next_steps", args=[cast.amara.pk]),
        ),
        "class_detail": (cast.teacher, reverse("class_detail", args=[cast.oak.pk])),
        "pupil_list": (cast.head, reverse("pupil_list")),
    }


def measure(cast, maths, client):
    counts = {}
    for name, (user, url) in pages(cast, maths).items():
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        counts[name] = queries(client, url)
    return counts


def test_busy_pages_match_their_committed_query_counts_and_stay_flat(cast, client):
    maths = build_maths(cast.school)
    grow(cast, maths, 4, 3)
    small = measure(cast, maths, client)
    grow(cast, maths, 12, 9)
    for n, objective in enumerate(maths.objectives[3:]):  # Year 4 work too, for next steps
        record_judgement(
            cast.amara, objective, maths.grades["S" if n % 2 else "D"], by=cast.teacher
        )
    for kind in ("eal", "fsm", "pupil_premium"):
        services.set_characteristic(cast.amara, kind, True)
    large = measure(cast, maths, client)
    assert large == small, f"queries grew with the data: {small} -> {large}"
    committed = json.loads(BASELINES.read_text())
    assert large == committed, (
        f"query counts changed: {large}, committed {committed}. If the change is intended, "
        f"update {BASELINES.name}."
    )
