"""The demo generator and `nextsteps demo`: deterministic, realistic, consistent and usable."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from nextsteps import demo
from nextsteps.accounts.models import User
from nextsteps.schools.models import (
    Pupil,
    School,
)

# Each test builds a demo set, or reads the module's small one: seconds apiece.
pytestmark = pytest.mark.slow

SMALL = {"pupils_per_school": 35, "years": 1}


def _everyone():
    """Tests read pupils through the scope too: as a superuser, who sees everything."""
    return Pupil.objects.visible_to(_admin())


def _admin():
    return User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "test-admin", "admin@test.example", "x"
    )


def _current(school):
    return _everyone().current_at(school)


def _holding(pupils, kind, value="Y"):
    today = timezone.localdate()
    return set(
        pupils.filter(
            characteristics__kind=kind,
            characteristics__value=value,
            characteristics__start_date__lte=today,
            characteristics__end_date__isnull=True,
        ).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_default_size_has_realistic_shares():
    summary = demo.build()
    assert summary.schools == [
        "Oakfield Primary School",
        "Glenburn Primary School",
        "Riverside Learning Hub",
    ]
    for name in ("Oakfield Primary School", "Glenburn Primary School"):
        school = School.objects.get(name=name)
        pupils = _current(school)
        n = pupils.count()
        assert 200 <= n <= 220

        def share(kind, value="Y", pupils=pupils, n=n):
            return len(_holding(pupils, kind, value)) / n

        assert share("disadvantaged") == pytest.approx(0.25, abs=0.03)
        assert share("sen", "K") == pytest.approx(0.15, abs=0.03)
        assert share("sen", "E") == pytest.approx(0.03, abs=0.015)
        assert share("eal") == pytest.approx(0.20, abs=0.03)
        assert 1 <= len(_holding(pupils, "looked_after")) <= 5
        assert 1 <= len(_holding(pupils, "service_child")) <= 4
        assert len(_holding(pupils, "child_in_need")) >= 2
        # free school meals and looked-after children sit inside the disadvantaged group
        assert _holding(pupils, "fsm") <= _holding(pupils, "disadvantaged")
        assert _holding(pupils, "looked_after") <= _holding(pupils, "disadvantaged")
        girls = pupils.filter(sex="F").count()
        assert 0.4 <= girls / n <= 0.6
        if school.country == School.Country.ENGLAND:
            assert _holding(pupils, "pupil_premium") == _holding(pupils, "disadvantaged")
    hub = School.objects.get(kind=School.Kind.ALTERNATIVE_PROVISION)
    assert _current(hub).count() == 30


@pytest.mark.django_db
def test_demo_command_builds_once_and_if_empty_leaves_data_alone():
    out = StringIO()
    call_command("demo", "--pupils-per-school", "14", "--years", "0", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "head@oakfield.example" in text and demo.DEMO_PASSWORD in text
    counts = (_everyone().count(), School.objects.count())
    again = StringIO()
    call_command("demo", "--if-empty", stdout=again)
    assert "already has schools" in again.getvalue()
    assert "parent@oakfield.example" in again.getvalue()
    assert (_everyone().count(), School.objects.count()) == counts
    with pytest.raises(CommandError, match="already has schools"):
        call_command("demo", stdout=StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args", [["--pupils-per-school", "3"], ["--schools", "0"], ["--years", "9"]]
)
def test_demo_command_refuses_impossible_sizes(args):
    with pytest.raises(CommandError):
        call_command("demo", *args, stdout=StringIO(), stderr=StringIO())
    assert not School.objects.exists()
