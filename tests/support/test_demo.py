"""The demo's support stage on the test cast and a few more pupils: areas of need for every
pupil on the SEN register, plans of the kind each school uses (an IEP or EHC plan at the
primary, a support plan at the hub, a PEP for a looked-after pupil) with targets and
provision, someone left for the inclusion list, and the same seed giving the same plans."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from nextsteps.demo import support as demo_support
from nextsteps.schools import services as schools
from nextsteps.support.models import Plan, PlanReview, SenNeed

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(cast):
    start = cast.year.start_date
    extra = {}
    for name, sen, looked_after in (
        ("Ehc", "E", False),
        ("Kay", "K", False),
        ("Kim", "K", False),
        ("Lac", None, True),
    ):
        pupil = schools.create_pupil(
            legal_first_name=name,
            legal_last_name="Demo",
            date_of_birth=cast.amara.date_of_birth,
            sex="F",
        )
        schools.enrol_pupil(
            pupil,
            cast.school,
            cast.y3,
            school_class=cast.oak,
            academic_year=cast.year,
            start_date=start,
        )
        if sen:
            details = "Primary area of need: Cognition and learning. Working memory."
            schools.set_characteristic(pupil, "sen", sen, start_date=start, details=details)
        if looked_after:
            schools.set_characteristic(pupil, "looked_after", True, start_date=start)
        extra[name] = pupil
    schools.set_characteristic(cast.priya, "sen", "K", start_date=cast.hub_year.start_date)
    return cast, extra


def _snapshot():
    return sorted(
        Plan.objects.values_list(
            "pupil__legal_first_name", "kind", "title", "start_date", "review_date", "status"
        )
    )


def test_the_stage_writes_needs_and_plans_of_each_schools_kind(roll):
    cast, extra = roll
    today = timezone.localdate()
    counts = demo_support.build(cast.trust, seed=7, today=today)
    on_register = [extra["Ehc"], extra["Kay"], extra["Kim"], cast.bartholomew, cast.priya]
    for pupil in on_register:
        assert SenNeed.objects.filter(pupil=pupil, primary=True, end_date__isnull=True).count() == 1
    assert SenNeed.objects.get(pupil=extra["Ehc"], primary=True).area == "cognition"
    kinds = {p.pupil_id: p.kind for p in Plan.objects.all()}
    assert kinds[extra["Lac"].pk] == Plan.Kind.PEP
    assert kinds.get(extra["Ehc"].pk, Plan.Kind.EHC_PLAN) == Plan.Kind.EHC_PLAN
    for pupil in (extra["Kay"], extra["Kim"], cast.bartholomew):
        assert kinds.get(pupil.pk, Plan.Kind.IEP) == Plan.Kind.IEP
    assert kinds.get(cast.priya.pk, Plan.Kind.SUPPORT_PLAN) == Plan.Kind.SUPPORT_PLAN
    assert counts.sen_without_plan >= 1
    assert len([p for p in on_register if p.pk not in kinds]) == counts.sen_without_plan
    for plan in Plan.objects.all():
        assert 2 <= plan.targets.count() <= 3 and plan.provision.exists()
        assert plan.start_date <= today
    reviewed = PlanReview.objects.count()
    assert reviewed == counts.reviews
    assert counts.line().startswith("Support: ")


def test_the_same_seed_gives_the_same_plans(roll):
    cast, _ = roll
    today = timezone.localdate() - timedelta(days=3)
    found = []
    for seed in (7, 7):
        sid = transaction.savepoint()
        demo_support.build(cast.trust, seed=seed, today=today)
        found.append(_snapshot())
        transaction.savepoint_rollback(sid)
    assert found[0] == found[1]
    assert found[0]
