"""The /reviews/ pages: the weekly screen and its saves (versions, conflicts, scope), areas,
a student's history for staff and the placing provider, and the provider updates pages."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.reviews import access, services, updates
from nextsteps.reviews.models import ProviderUpdate, ReviewArea, UpdateDelivery, WeeklyRating
from nextsteps.reviews.weeks import monday_of
from nextsteps.schools import services as schools
from tests.cast import add_pupils_to_oak

from .conftest import rate, this_week

pytestmark = pytest.mark.django_db


def save(client, *cells):
    return client.post(
        reverse("reviews:save"),
        data=json.dumps({"cells": list(cells)}),
        content_type="application/json",
    )


def cell(pupil, area, week, rating, version, **extra):
    return {
        "pupil": pupil.pk,
        "area": area.pk,
        "week": week.isoformat(),
        "rating": rating,
        "version": version,
        **extra,
    }


def test_the_weekly_screen_shows_last_week_beside_this_week(cast, hub, login):
    literacy = hub.areas[0]
    rate(cast.priya, literacy, hub.last_week, "R", by=hub.ta, comment="Refused to read")
    rate(cast.priya, literacy, hub.week, "A", by=hub.ta, comment="Read a page aloud")
    page = login(hub.teacher).get(reverse("reviews:class_week", args=[hub.nurture.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-can-record="1"' in body
    assert "Hollowaygate, Priya" in body and "Wrenfield, Tomasz" in body
    assert (
        'aria-label="Priya Hollowaygate, Progress in literacy: Amber (last week Red). '
        'Comment: Read a page aloud"'
    ) in body
    assert 'data-last-comment="Refused to read"' in body
    assert "1 Amber, 0 Red, 9 not rated" in body
    assert [row.pupil.pk for row in page.context["rows"]] == [cast.priya.pk, cast.tomasz.pk]
    # last week's page: its own ratings, with the week before beside them, and a way forward
    earlier = login(hub.teacher).get(
        reverse("reviews:class_week", args=[hub.nurture.pk]), {"week": hub.last_week}
    )
    assert earlier.context["rows"][0].cells[0].this.rating == "R"
    assert earlier.context["next_url"].endswith(f"week={hub.week}")
    # a week not yet begun opens this week instead
    future = login(hub.teacher).get(
        reverse("reviews:class_week", args=[hub.nurture.pk]),
        {"week": hub.week + timedelta(days=14)},
    )
    assert future.context["week"] == hub.week and not future.context["next_url"]


def test_a_group_shows_only_its_members_and_trust_staff_only_read(cast, hub, login):
    group = schools.create_group(cast.hub, "Attendance focus", "focus")
    schools.add_to_group(group, cast.tomasz)
    page = login(cast.ap_head).get(reverse("reviews:group_week", args=[group.pk]))
    assert [row.pupil for row in page.context["rows"]] == [cast.tomasz]
    read_only = login(cast.trust_staff).get(reverse("reviews:group_week", args=[group.pk]))
    assert read_only.status_code == 200
    assert 'data-can-record="0"' in read_only.content.decode()
    assert (
        save(login(cast.trust_staff), cell(cast.tomasz, hub.areas[0], hub.week, "G", 0)).status_code
        == 403
    )


def test_saving_cells_with_versions_and_a_conflict(cast, hub, login):
    engagement = hub.areas[2]
    ta = login(hub.ta)
    first = save(ta, cell(cast.priya, engagement, hub.week, "G", 0, comment="Joined in"))
    assert first.status_code == 200
    result = first.json()["results"][0]
    assert (result["status"], result["rating"], result["version"]) == ("saved", "G", 1)
    # the teacher's page still shows the cell empty: refused, told what is there and who
    clash = save(login(hub.teacher), cell(cast.priya, engagement, hub.week, "R", 0))
    assert clash.status_code == 409
    theirs = clash.json()["results"][0]
    assert theirs["status"] == "conflict" and theirs["rating"] == "G"
    assert theirs["comment"] == "Joined in" and theirs["version"] == 1
    assert str(hub.ta) in theirs["message"] and theirs["by"] == str(hub.ta)
    # several at once, each on its own: one saved, one invalid, one out of scope
    batch = save(
        login(hub.teacher),
        cell(cast.priya, engagement, hub.week, None, 1),
        cell(cast.tomasz, engagement, hub.week, "B", 0),
        cell(cast.amara, engagement, hub.week, "G", 0),
    )
    assert batch.status_code == 200
    statuses = [(r["status"], r["http"]) for r in batch.json()["results"]]
    assert statuses == [("saved", 200), ("invalid", 400), ("not_found", 404)]
    assert "Choose Red, Amber or Green" in batch.json()["results"][1]["message"]
    assert not WeeklyRating.objects.exists()
    assert "Amara" not in batch.content.decode()


def test_saves_refused_outside_the_school_or_without_a_version(cast, hub, login):
    area = hub.areas[0]
    # Oakfield's head records reviews at Oakfield, not at the hub, and cannot see Priya
    assert save(login(cast.head), cell(cast.priya, area, hub.week, "G", 0)).status_code == 404
    # the hub head sees Amara nowhere
    assert save(login(cast.ap_head), cell(cast.amara, area, hub.week, "G", 0)).status_code == 404
    no_version = save(login(hub.ta), {**cell(cast.priya, area, hub.week, "G", 0), "version": None})
    assert no_version.status_code == 400
    bad = login(hub.ta).post(reverse("reviews:save"), data="{", content_type="application/json")
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]


def test_the_weekly_screen_reads_a_fixed_number_of_queries(
    cast, login, django_assert_max_num_queries
):
    area = services.add_area(cast.school, name="Engagement")
    services.add_area(cast.school, name="Behaviour")
    client = login(cast.teacher)
    url = reverse("reviews:class_week", args=[cast.oak.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for pupil in add_pupils_to_oak(cast, 25):
        rate(pupil, area, this_week(), "G", by=cast.teacher)
    assert count() == small


def test_areas_are_managed_by_senior_leaders(cast, login):
    client = login(cast.leader)
    url = reverse("reviews:areas") + f"?school={cast.school.pk}"
    assert "No areas yet" in client.get(url).content.decode()
    client.post(url, {"school": cast.school.pk, "defaults": "1"})
    assert ReviewArea.objects.filter(school=cast.school).count() == 5
    refused = client.post(url, {"school": cast.school.pk, "name": "behaviour"})
    assert refused.status_code == 200
    assert "already has an area called" in refused.content.decode()
    added = client.post(url, {"school": cast.school.pk, "name": "Homework", "description": ""})
    assert added.status_code == 302
    homework = ReviewArea.objects.get(name="Homework")
    # the teacher reads the list but may not add to it
    teacher = login(cast.teacher)
    assert "Homework" in teacher.get(url).content.decode()
    assert teacher.post(url, {"school": cast.school.pk, "name": "Tidiness"}).status_code == 403

    client = login(cast.leader)  # one test client: signing in again switches who it is
    edit = reverse("reviews:area_edit", args=[homework.pk])
    services.update_area(homework, {"description": "Handed in on time"}, homework.version)
    stale = client.post(edit, {"version": 1, "name": "Home learning", "active": "on"})
    assert stale.status_code == 200
    text = stale.content.decode()
    assert "Someone else saved a change" in text and "Handed in on time" in text
    assert stale.context["form"]["version"].value() == 2
    saved = client.post(
        edit, {"version": 2, "name": "Home learning", "description": "Handed in on time"}
    )
    assert saved.status_code == 302
    homework.refresh_from_db()
    assert (homework.name, homework.active) == ("Home learning", False)  # unticked: retired
    client.post(reverse("reviews:area_move", args=[homework.pk]), {"direction": "up"})
    homework.refresh_from_db()
    assert homework.order == 4


def test_a_students_history_for_staff_and_for_the_placing_provider(cast, hub, login):
    literacy, engagement = hub.areas[0], hub.areas[2]
    placed = cast.priya.placements.get()
    start = monday_of(placed.start_date)
    before = start - timedelta(days=7)
    # an earlier week, before Northgate placed her (on roll at the hub already)
    schools.enrol_pupil(
        cast.priya,
        cast.hub,
        cast.hub.year_groups.get(stage=9),
        school_class=hub.nurture,
        academic_year=cast.hub_year,
        start_date=before,
    )
    rate(cast.priya, literacy, before, "R", by=hub.ta, comment="Before the placement")
    for n, rating in enumerate(["G", "A", "A", "R"]):
        week = hub.week - timedelta(days=7 * (3 - n))
        rate(cast.priya, engagement, week, rating, by=hub.teacher, comment=f"Week {n}")

    staff = login(hub.teacher).get(reverse("reviews:pupil", args=[cast.priya.pk]), {"weeks": "all"})
    body = staff.content.decode()
    assert "Before the placement" in body and str(hub.teacher) in body
    assert "Down from Green to Red over 4 weeks" in body
    assert 'role="img"' in body and "<desc" in body

    provider = login(cast.provider).get(
        reverse("reviews:pupil", args=[cast.priya.pk]), {"weeks": "all"}
    )
    text = provider.content.decode()
    assert provider.status_code == 200
    assert "Before the placement" not in text and "Week 3" in text
    assert str(hub.teacher) not in text and str(hub.ta) not in text
    assert (
        login(cast.other_provider).get(reverse("reviews:pupil", args=[cast.priya.pk])).status_code
        == 404
    )
    # a parent sees their child but not this page
    assert login(cast.parent).get(reverse("reviews:pupil", args=[cast.amara.pk])).status_code == 403
    # so the profile links to it for staff and the placing provider only
    assert access.can_read_history(hub.teacher, cast.priya)
    assert access.can_read_history(cast.provider, cast.priya)
    assert not access.can_read_history(cast.parent, cast.amara)


@pytest.fixture
def made(cast, hub):
    schools.update_provider(cast.north, email="office@northgate.example")
    rate(cast.priya, hub.areas[0], hub.week, "A", by=hub.ta, comment="Good effort")
    rate(cast.tomasz, hub.areas[0], hub.week, "G", by=hub.ta)
    return updates.make_due_updates(school=cast.hub, week=hub.week, early=True)


def test_providers_see_their_own_updates_and_leaders_see_deliveries(cast, hub, made, login):
    north = ProviderUpdate.objects.get(provider=cast.north)
    south = ProviderUpdate.objects.get(provider=cast.south)
    mine = login(cast.provider).get(reverse("reviews:updates"))
    assert list(mine.context["received"]) == [north]
    assert login(cast.provider).get(reverse("reviews:update", args=[south.pk])).status_code == 404
    page = login(cast.provider).get(reverse("reviews:update", args=[north.pk]))
    body = page.content.decode()
    assert "Priya Hollowaygate" in body and "Good effort" in body and "Tomasz" not in body
    assert "office@northgate.example" not in body  # who it went to is for the centre's leaders

    leader = login(cast.ap_head).get(reverse("reviews:update", args=[north.pk]))
    assert [d.address for d in leader.context["deliveries"]] == [
        "office@northgate.example",
        "provider@example.org",
    ]
    # when the placement ends, Northgate's staff no longer see Priya in old updates
    schools.update_placement(cast.priya.placements.get(), end_date=hub.last_week)
    later = login(cast.provider).get(reverse("reviews:update", args=[north.pk]))
    assert "Hollowaygate" not in later.content.decode()
    assert later.context["hidden"] == 1


def test_leaders_preview_send_early_and_send_again(cast, hub, login, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rate(cast.priya, hub.areas[0], hub.week, "A", by=hub.ta, comment="Good effort")
    client = login(cast.ap_head)
    overview = client.get(reverse("reviews:updates"))
    weeks = overview.context["schools"][0]["weeks"]
    assert weeks[0]["week"] == hub.week and weeks[0]["rated"]
    assert {r["provider"] for r in weeks[0]["rows"]} == {cast.north, cast.south}

    preview = client.get(
        reverse("reviews:preview", args=[cast.hub.pk, cast.north.pk]), {"week": hub.week}
    )
    assert "Good effort" in preview.content.decode() and "Tomasz" not in preview.content.decode()
    assert [r.address for r in preview.context["recipients"]] == ["provider@example.org"]

    sent = client.post(reverse("reviews:send_now", args=[cast.hub.pk]), {"week": hub.week})
    assert sent.status_code == 302
    assert ProviderUpdate.objects.filter(week=hub.week).count() == 2
    assert set(UpdateDelivery.objects.values_list("status", flat=True)) == {"sent"}
    made = ProviderUpdate.objects.get(provider=cast.north)
    assert made.made_by == cast.ap_head
    # pressing it again makes and sends nothing new
    client.post(reverse("reviews:send_now", args=[cast.hub.pk]), {"week": hub.week})
    assert ProviderUpdate.objects.count() == 2

    delivery = made.deliveries.get()
    refused = client.post(reverse("reviews:send_again", args=[delivery.pk]))
    assert refused.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "sent"  # a delivered email is not sent again
    UpdateDelivery.objects.filter(pk=delivery.pk).update(status="uncertain")
    client.post(reverse("reviews:send_again", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2
