"""Support pages and their rules: who reads a plan and what the family sees, the provider's
read-only view, audit rows for every read of SEN details or a plan, concurrent edits that
never overwrite, a plan opened and reviewed through the pages, the SEN register's status
changes, and overdue reviews in who needs help."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nextsteps.analysis.help import who_needs_help
from nextsteps.audit.models import AuditEvent
from nextsteps.schools.models import Characteristic, Pupil
from nextsteps.support import access, services
from nextsteps.support.models import Plan, PlanReview, SenNeed

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def reads(pupil, fragment=""):
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, pupil=pupil, what__contains=fragment
    ).count()


# What the family sees ---------------------------------------------------------------------------


def test_the_family_reads_a_shared_plan_without_the_staff_notes(support, login):
    c = support
    plan = c.support["amara_plan"]
    services.record_review(
        plan,
        held_on=today(),
        outcome=PlanReview.Outcome.CONTINUE,
        expected_version=plan.version,
        next_review_date=today() + timedelta(days=30),
        summary="Staff only: concerns about home reading",
        family_views="Happy with the sessions",
        progress={c.support["amara_target"].pk: ("working", "Nearly there")},
    )
    client = login(c.parent)
    body = client.get(reverse("support:plan", args=[plan.pk])).content.decode()
    assert "Catching up in maths" in body and "Loves building models" in body
    assert "Recall the 3 times table" in body and "Times tables practice" in body
    assert "Happy with the sessions" in body and "Nearly there" in body
    assert "Off track in maths" not in body  # the reason
    assert "concerns about home reading" not in body  # the staff's review notes
    assert "Record a review" not in body
    assert client.get(reverse("support:plan_edit", args=[plan.pk])).status_code == 403


def test_an_unshared_plan_does_not_exist_for_the_family(support, login):
    c = support
    hidden = services.open_plan(
        c.amara,
        school=c.school,
        kind=Plan.Kind.ACTION_PLAN,
        title="Alert follow-up",
        owner=c.teacher,
        review_date=today() + timedelta(days=10),
    )
    client = login(c.parent)
    assert client.get(reverse("support:plan", args=[hidden.pk])).status_code == 404
    listed = client.get(reverse("support:pupil_plans", args=[c.amara.pk])).content.decode()
    assert "Catching up in maths" in listed and "Alert follow-up" not in listed
    assert (
        login(c.pupil).get(reverse("support:plan", args=[c.support["amara_plan"].pk])).status_code
        == 404
    )


def test_the_placing_provider_reads_but_does_not_write(support, login):
    c = support
    plan = c.support["priya_plan"]
    client = login(c.provider)
    page = client.get(reverse("support:plan", args=[plan.pk]))
    assert page.status_code == 200 and "Attendance and engagement" in page.content.decode()
    assert "Record a review" not in page.content.decode()
    assert client.get(reverse("support:review_add", args=[plan.pk])).status_code == 403
    assert login(c.other_provider).get(reverse("support:plan", args=[plan.pk])).status_code == 404


def test_teaching_assistants_and_teachers_of_other_classes_do_not_see_plans(support, login):
    c = support
    plan = c.support["bart_plan"]
    assert login(c.ta).get(reverse("support:plan", args=[plan.pk])).status_code == 404
    assert login(c.other_teacher).get(reverse("support:plan", args=[plan.pk])).status_code == 404
    assert not access.plans_visible_to(c.trust_staff).exists()
    assert set(access.plans_visible_to(c.leader)) == {
        c.support["bart_plan"],
        c.support["amara_plan"],
    }


def test_a_class_teacher_writes_plans_for_their_own_class_only(support):
    c = support
    assert access.can_write_for(c.teacher, c.amara, c.school)
    assert not access.can_write_for(c.teacher, c.zebedee, c.school)
    assert access.can_write_for(c.other_teacher, c.zebedee, c.school)
    assert not access.can_write_for(c.provider, c.priya, c.hub)


# Audit rows ------------------------------------------------------------------------------------


def test_every_read_of_a_plan_or_sen_details_is_logged(support, login, api):
    c = support
    plan = c.support["bart_plan"]
    client = login(c.senco)
    client.get(reverse("support:plan", args=[plan.pk]))
    assert reads(c.bartholomew, "Support plan: Individual education plan") == 1
    client.get(reverse("support:sen_pupil", args=[c.bartholomew.pk]))
    assert reads(c.bartholomew, "SEN history") == 1
    client.get(reverse("support:register"))
    assert reads(c.bartholomew, "SEN register") == 1
    assert reads(c.amara, "SEN register") == 0  # not on the register: not shown, not logged
    login(c.parent).get(reverse("support:plan", args=[c.support["amara_plan"].pk]))
    event = AuditEvent.objects.filter(action="read", pupil=c.amara).latest("id")
    assert (event.actor, event.what) == (c.parent, "Support plan: Support plan")
    api.get(c.teacher, f"/plans/{plan.pk}")
    assert reads(c.bartholomew, "Support plan (API)") == 1
    api.get(c.teacher, f"/pupils/{c.bartholomew.pk}/sen")
    assert reads(c.bartholomew, "SEN history and areas of need (API)") == 1


def test_a_refused_read_is_not_logged(support, login):
    c = support
    login(c.ta).get(reverse("support:plan", args=[c.support["bart_plan"].pk]))
    login(c.leader).get(reverse("support:sen_pupil", args=[c.bartholomew.pk]))
    assert reads(c.bartholomew) == 0


# Concurrent edits ------------------------------------------------------------------------------


def _plan_form(plan, **changes):
    data = {
        "version": plan.version,
        "kind": plan.kind,
        "title": plan.title,
        "reason": plan.reason,
        "strengths": plan.strengths,
        "owner": plan.owner_id,
        "start_date": plan.start_date.isoformat(),
        "review_date": plan.review_date.isoformat(),
        "school": plan.school_id,
    }
    data.update(changes)
    return data


def test_a_stale_plan_edit_shows_the_conflict_and_keeps_the_other_change(support, login):
    c = support
    plan = c.support["bart_plan"]
    read = _plan_form(plan, title="Mine")
    services.update_plan(plan, {"title": "Theirs"}, plan.version, by=c.head)
    response = login(c.senco).post(reverse("support:plan_edit", args=[plan.pk]), read)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Someone else saved a change" in body and "Theirs" in body
    plan.refresh_from_db()
    assert (plan.title, plan.version) == ("Theirs", 2)
    # the form now carries the version saved meanwhile: saving again is a deliberate choice
    again = login(c.senco).post(
        reverse("support:plan_edit", args=[plan.pk]), _plan_form(plan, title="Mine")
    )
    assert again.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Mine"


def test_the_api_answers_409_on_a_stale_version(support, api):
    c = support
    plan = c.support["amara_plan"]
    assert (
        api.patch(c.teacher, f"/plans/{plan.pk}", {"version": 1, "title": "A"}).status_code == 200
    )
    stale = api.patch(c.senco, f"/plans/{plan.pk}", {"version": 1, "title": "B"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    plan.refresh_from_db()
    assert plan.title == "A"
    target = c.support["amara_target"]
    api.patch(c.teacher, f"/plan-targets/{target.pk}", {"version": 1, "status": "working"})
    assert (
        api.patch(
            c.teacher, f"/plan-targets/{target.pk}", {"version": 1, "status": "achieved"}
        ).status_code
        == 409
    )
    review = {"version": 1, "held_on": today().isoformat(), "outcome": "close"}
    assert api.post(c.teacher, f"/plans/{plan.pk}/reviews", review).status_code == 409


# Opening and reviewing a plan through the pages -------------------------------------------------


def test_a_teacher_opens_a_plan_adds_a_target_and_reviews_it(cast, login):
    c = cast
    client = login(c.teacher)
    form = client.get(reverse("support:plan_create", args=[c.amara.pk]))
    assert form.status_code == 200
    response = client.post(
        reverse("support:plan_create", args=[c.amara.pk]),
        {
            "school": c.school.pk,
            "kind": "support_plan",
            "title": "Maths support",
            "owner": c.teacher.pk,
            "start_date": today().isoformat(),
            "review_date": (today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400 and "cannot be before the start" in response.content.decode()
    assert not Plan.objects.exists()
    response = client.post(
        reverse("support:plan_create", args=[c.amara.pk]),
        {
            "school": c.school.pk,
            "kind": "support_plan",
            "title": "Maths support",
            "owner": c.teacher.pk,
            "start_date": today().isoformat(),
            "review_date": (today() + timedelta(days=30)).isoformat(),
        },
    )
    plan = Plan.objects.get()
    assert response.url == reverse("support:target_add", args=[plan.pk])
    assert (plan.opened_by, plan.school, plan.kind) == (c.teacher, c.school, "support_plan")
    client.post(
        reverse("support:target_add", args=[plan.pk]),
        {
            "specific": "Count in threes",
            "measure": "To 36, twice",
            "target_date": (today() + timedelta(days=30)).isoformat(),
            "status": "not_started",
        },
    )
    target = plan.targets.get()
    response = client.post(
        reverse("support:review_add", args=[plan.pk]),
        {
            "version": plan.version,
            "held_on": today().isoformat(),
            "outcome": "close",
            f"progress-{target.pk}": "achieved",
            f"note-{target.pk}": "Secure in class",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    target.refresh_from_db()
    assert (plan.status, target.status) == ("closed", "achieved")


def test_the_owner_must_work_at_the_school(cast, login):
    c = cast
    response = login(c.senco).post(
        reverse("support:plan_create", args=[c.amara.pk]),
        {
            "school": c.school.pk,
            "kind": "iep",
            "title": "IEP",
            "owner": c.ap_head.pk,
            "start_date": today().isoformat(),
            "review_date": (today() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert not Plan.objects.exists()


# The SEN register ------------------------------------------------------------------------------


def test_the_register_lists_status_needs_and_plans(support, login):
    c = support
    body = login(c.senco).get(reverse("support:register")).content.decode()
    assert "Quillfeather, Bartholomew" in body
    assert "Speech sound disorder" in body and "Individual education plan (IEP)" in body
    assert "Okonkwo-Test" not in body  # Amara is not on the register


def test_the_inclusion_manager_changes_a_status_through_the_page(support, login):
    c = support
    client = login(c.senco)
    response = client.post(
        reverse("support:sen_change", args=[c.bartholomew.pk]),
        {"value": "E", "start_date": today().isoformat(), "details": "EHC plan issued"},
    )
    assert response.status_code == 302
    current = Characteristic.objects.get(pupil=c.bartholomew, kind="sen", end_date__isnull=True)
    assert (current.value, current.recorded_by) == ("E", c.senco)
    client.post(
        reverse("support:sen_change", args=[c.bartholomew.pk]),
        {"value": "N", "start_date": (today() + timedelta(days=1)).isoformat()},
    )
    assert not SenNeed.objects.filter(end_date__isnull=True).exists()
    assert (
        login(c.teacher)
        .post(reverse("support:sen_change", args=[c.bartholomew.pk]), {"value": "K"})
        .status_code
        == 403
    )


# Who needs help ---------------------------------------------------------------------------------


def test_an_overdue_review_joins_who_needs_help_for_those_who_read_plans(support):
    c = support
    plan = c.support["bart_plan"]
    Plan.objects.filter(pk=plan.pk).update(review_date=today() - timedelta(days=3))
    pupils = Pupil.objects.visible_to(c.teacher)
    entries = who_needs_help(c.teacher, c.school, pupils)
    reasons = [r.text for e in entries if e.pupil == c.bartholomew for r in e.reasons]
    assert any("review overdue" in r and "Speech and language IEP" in r for r in reasons)
    entries = who_needs_help(c.ta, c.school, Pupil.objects.visible_to(c.ta))
    assert not [r for e in entries for r in e.reasons if r.kind == "plan_review_overdue"]


def test_the_profile_fragment_shows_status_need_and_open_plans(support, login):
    c = support
    body = (
        login(c.teacher)
        .get(reverse("support:pupil_summary", args=[c.bartholomew.pk]))
        .content.decode()
    )
    assert "SEN support (K)" in body and "Communication and interaction" in body
    assert "Speech and language IEP" in body
    assert reads(c.bartholomew, "SEN status and plans (pupil profile)") == 1
    refused = login(c.ta).get(reverse("support:pupil_summary", args=[c.bartholomew.pk]))
    assert refused.status_code == 403 and "Quillfeather" not in refused.content.decode()
