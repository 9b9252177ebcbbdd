"""September rollover: preview, apply, leavers archived, and a second run changing nothing."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from nextsteps.schools import services
from nextsteps.schools.models import AcademicYear, Enrolment, Pupil
from nextsteps.schools.rollover import LEAVING_REASON, apply_rollover, plan_rollover

from .conftest import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def year6(cast):
    """A Year 6 class with one pupil, who leaves at the end of the year."""
    y6 = cast.school.year_groups.get(stage=6)
    willow = services.create_class(cast.school, cast.year, "6 Willow", y6)
    leaver = services.create_pupil(
        legal_first_name="Leopold",
        legal_last_name="Farewell",
        date_of_birth=date(cast.year.start_date.year - 11, 1, 1),
        sex="M",
    )
    services.enrol_pupil(
        leaver,
        cast.school,
        y6,
        school_class=willow,
        academic_year=cast.year,
        start_date=cast.year.start_date,
    )
    cast.pupils["leopold"] = leaver
    return willow


@pytest.fixture
def next_year(cast):
    year = services.create_academic_year(cast.school, cast.year.start_date.year + 1)
    cast.objects["oak4"] = services.create_class(
        cast.school, year, "4 Oak", cast.y4, teachers=[cast.teacher]
    )
    cast.objects["ash5"] = services.create_class(
        cast.school, year, "5 Ash", cast.school.year_groups.get(stage=5)
    )
    cast.objects["birch5"] = services.create_class(
        cast.school, year, "5 Birch", cast.school.year_groups.get(stage=5)
    )
    return year


def moves(plan):
    return {m.pupil.legal_first_name: m for m in plan.moves}


def test_preview_changes_nothing_and_chooses_classes_by_name(cast, year6, next_year):
    before = snapshot()
    plan = plan_rollover(cast.school)
    assert snapshot() == before
    assert (plan.from_year, plan.to_year) == (cast.year, next_year)
    m = moves(plan)
    assert m["Amara"].to_group == cast.y4 and m["Amara"].to_class == cast.oak4  # "3 Oak" → "4 Oak"
    assert m["Zebedee"].to_class == cast.ash5  # "4 Ash" → "5 Ash", not "5 Birch"
    assert m["Leopold"].leaves
    assert plan.counts == {"move": 3, "leave": 1, "done": 0, "no_class": 0}


def test_apply_moves_pupils_archives_leavers_and_is_idempotent(cast, year6, next_year):
    plan = apply_rollover(cast.school, {cast.ash.pk: cast.birch5.pk})
    assert plan.counts["done"] == 4
    amara = Enrolment.objects.get(pupil=cast.amara, academic_year=next_year)
    assert (amara.school_class, amara.start_date) == (cast.oak4, next_year.start_date)
    assert Enrolment.objects.get(pupil=cast.zebedee, academic_year=next_year).school_class == (
        cast.birch5
    )
    old = Enrolment.objects.get(pupil=cast.amara, academic_year=cast.year)
    assert old.end_date == cast.year.end_date
    leaver = cast.leopold.enrolments.get()
    assert (leaver.end_date, leaver.leaving_reason) == (cast.year.end_date, LEAVING_REASON)
    assert Pupil.objects.filter(pk=cast.leopold.pk).exists()  # archived, never deleted
    before = snapshot()
    again = apply_rollover(cast.school)
    assert again.counts == {"move": 0, "leave": 0, "done": 4, "no_class": 0}
    assert snapshot() == before


def test_rollover_creates_the_next_year_when_missing(cast, year6):
    assert not AcademicYear.objects.filter(
        school=cast.school, start_date__gt=cast.year.start_date
    ).exists()
    plan = plan_rollover(cast.school)
    assert plan.to_year is None and plan.counts["no_class"] == 3
    done = apply_rollover(cast.school)
    assert done.to_year.start_date == cast.year.end_date + timedelta(days=1)
    assert Enrolment.objects.filter(academic_year=done.to_year).count() == 3


def test_rollover_pages_preview_then_confirm(cast, login, year6, next_year):
    client = login(cast.head)
    url = reverse("interop:rollover")
    page = client.get(url, {"map_" + str(cast.ash.pk): cast.birch5.pk}).content.decode()
    assert "Leopold Farewell" in page and "Leaves" in page and "5 Birch" in page
    before = snapshot()
    response = client.post(url, {"school": cast.school.pk})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    assert snapshot() == before
    response = client.post(
        url, {"school": cast.school.pk, "confirm": "yes", f"map_{cast.ash.pk}": cast.birch5.pk}
    )
    assert response.status_code == 302
    assert Enrolment.objects.get(pupil=cast.zebedee, academic_year=next_year).school_class == (
        cast.birch5
    )
    # from its first day, 4 Oak's teacher sees the class and (by policy) its earlier records
    assert cast.amara.enrolments.filter(school_class=cast.oak4).exists()


def test_rollover_command_previews_and_applies(cast, year6, next_year):
    out = StringIO()
    call_command("rollover", "--school", str(cast.school.pk), stdout=out)
    text = out.getvalue()
    assert "Leopold Farewell: Year 6, 6 Willow -> leaves" in text and "Preview only" in text
    assert not Enrolment.objects.filter(academic_year=next_year).exists()
    call_command("rollover", "--school", str(cast.school.pk), "--apply", stdout=StringIO())
    assert Enrolment.objects.filter(academic_year=next_year).count() == 3
