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


def _current(school, on=None):
    return _everyone().current_at(school, on)


def _holding(pupils, kind, value="Y", on=None):
    today = on or timezone.localdate()
    return set(
        pupils.filter(
            characteristics__kind=kind,
            characteristics__value=value,
            characteristics__start_date__lte=today,
            characteristics__end_date__isnull=True,
        ).values_list("pk", flat=True)
    )


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
