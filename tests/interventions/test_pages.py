"""The interventions pages: setting one up with errors beside the fields, a stale edit told and
not saved, adding pupils and recording leaving, what each reader is shown (names only of pupils
they may see, costs only for staff, families without costs or verdicts), the provision map and
its download, and measuring a finished intervention again. Who is let in at all is the page
matrix (tests/matrix/interventions.py)."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from nextsteps.audit.models import AuditEvent
from nextsteps.interventions import services
from nextsteps.interventions.forms import objective_set_value
from nextsteps.interventions.models import Evaluation, Intervention
from nextsteps.reviews.models import ReviewArea

from .conftest import judge

pytestmark = pytest.mark.django_db


def form_data(s, **changes):
    data = {
        "name": "Times tables group",
        "kind": "intervention",
        "description": "Ten minutes a day",
        "staff": [s.cast.ta.pk],
        "start_date": s.start.isoformat(),
        "end_date": s.end.isoformat(),
        "sessions_per_week": "5",
        "minutes_per_session": "10",
        "cost": "250.00",
        "cost_basis": "total",
        "measure_kind": "objectives",
        "objective_set": objective_set_value(s.maths.maths.pk, s.maths.y3.pk),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_setting_one_up_with_errors_beside_the_fields(setting, login):
    s = setting
    client = login(s.cast.senco)
    url = reverse("interventions:create")
    bad = client.post(
        url,
        form_data(s, end_date=(s.start - timedelta(days=1)).isoformat(), objective_set=""),
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert 'id="id_end_date_error"' in body and "cannot be before the start" in body
    assert 'id="id_objective_set_error"' in body and "Choose the objectives." in body
    assert not Intervention.objects.exists()
    made = client.post(url, form_data(s))
    item = Intervention.objects.get()
    assert made.url == reverse("interventions:members", args=[item.pk])
    assert (item.subject, item.stage, item.cost) == (s.maths.maths, s.maths.y3, 250)
    assert list(item.staff.all()) == [s.cast.ta]
    assert item.created_by == s.cast.senco


def test_a_stale_edit_is_told_and_not_saved(setting, login):
    s = setting
    item = s.intervention()
    services.update_intervention(item, {"name": "Renamed first"}, 1, by=s.cast.head)
    client = login(s.cast.leader)
    response = client.post(
        reverse("interventions:edit", args=[item.pk]), form_data(s, version="1", name="Mine")
    )
    assert response.status_code == 400
    assert "Someone else saved a change while you were editing" in response.content.decode()
    item.refresh_from_db()
    assert item.name == "Renamed first"
    # the form now carries the version saved meanwhile: a second save is deliberate
    assert 'name="version" value="2"' in response.content.decode()
    again = client.post(
        reverse("interventions:edit", args=[item.pk]), form_data(s, version="2", name="Mine")
    )
    assert again.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.version) == ("Mine", 3)


def test_adding_pupils_and_recording_that_one_left(setting, login):
    s = setting
    c = s.cast
    item = s.intervention()
    client = login(c.head)
    page = client.get(reverse("interventions:members", args=[item.pk]))
    assert "Okonkwo-Test, Amara (3 Oak)" in page.content.decode()
    assert "Hollowaygate" not in page.content.decode()  # at the hub, not here
    added = client.post(
        reverse("interventions:members", args=[item.pk]),
        {"pupils": [c.amara.pk, c.bartholomew.pk], "joined": s.start.isoformat()},
    )
    assert added.status_code == 302
    assert set(item.members.values_list("pupil_id", flat=True)) == {c.amara.pk, c.bartholomew.pk}
    left = client.post(
        reverse("interventions:member_leave", args=[item.pk, c.amara.pk]),
        {"left": s.day(3).isoformat()},
    )
    assert left.status_code == 302
    assert item.members.get(pupil=c.amara).left == s.day(3)
    before = client.post(
        reverse("interventions:members", args=[item.pk]),
        {"pupils": [c.zebedee.pk], "joined": (s.start - timedelta(days=1)).isoformat()},
    )
    assert before.status_code == 400 and 'id="id_joined_error"' in before.content.decode()


def test_each_reader_sees_only_the_pupils_they_may_see_and_costs_only_as_staff(setting, login):
    s = setting
    c = s.cast
    g, o = s.maths.grades, s.y3
    item = s.intervention([c.amara, c.zebedee], cost=600)
    judge(c.amara, o[:2], g["S"], s.day(1))
    url = reverse("interventions:detail", args=[item.pk])
    teacher = login(c.teacher).get(url).content.decode()
    assert "Okonkwo-Test" in teacher and "Marchbanks" not in teacher
    assert "And 1 other pupil you cannot see" in teacher
    assert "£600.00 in all, £300.00 a pupil" in teacher
    assert "0 of 3" in teacher and "2 of 3" in teacher  # Amara's entry and latest
    # the hub's intervention: its placing provider sees their student, no costs, no one else
    area = ReviewArea.objects.create(school=c.hub, name="Engagement")
    hub = services.create_intervention(
        c.hub,
        by=c.ap_head,
        name="Mentoring",
        start_date=s.start,
        sessions_per_week=1,
        minutes_per_session=45,
        cost=900,
        measure_kind="review",
        review_area=area,
    )
    services.add_members(hub, [c.priya, c.tomasz], joined=s.start, by=c.ap_head)
    provider = login(c.provider).get(reverse("interventions:detail", args=[hub.pk]))
    body = provider.content.decode()
    assert provider.status_code == 200
    assert "Hollowaygate" in body and "Wrenfield" not in body and "£" not in body
    south = login(c.other_provider).get(reverse("interventions:detail", args=[hub.pk]))
    assert "Wrenfield" in south.content.decode()
    assert "Hollowaygate" not in south.content.decode()
    # Zebedee's teacher sees him, and not Amara
    other = login(c.other_teacher).get(url).content.decode()
    assert "Marchbanks" in other and "Okonkwo-Test" not in other
    item.members.filter(pupil=c.zebedee).delete()
    assert login(c.other_teacher).get(url).status_code == 404


def test_a_family_sees_their_child_without_costs_or_anyone_else(setting, login):
    s = setting
    c = s.cast
    item = s.intervention([c.amara, c.bartholomew], cost=600, name="Number bonds club")
    page = login(c.parent).get(reverse("interventions:pupil", args=[c.amara.pk]))
    body = page.content.decode()
    assert "Number bonds club" in body and "How Amara is getting on" in body
    assert "£" not in body and "Quillfeather" not in body and "similar pupils" not in body
    fragment = login(c.head).get(reverse("interventions:pupil_summary", args=[c.amara.pk]))
    assert "£300.00 a pupil" in fragment.content.decode()
    assert (
        login(c.other_parent).get(reverse("interventions:pupil", args=[item.pk])).status_code == 404
    )


def test_the_provision_map_and_its_download(setting, login):
    s = setting
    c = s.cast
    g, o = s.maths.grades, s.y3
    s.intervention([c.amara, c.zebedee], cost=600, name="Number bonds club")
    judge(c.amara, o[:1], g["S"], s.day(1))
    client = login(c.head)
    page = client.get(reverse("interventions:map"), {"year": c.year.pk})
    body = page.content.decode()
    assert "Year 3: 1 pupil" in body and "Year 4: 1 pupil" in body
    assert "£300.00" in body
    by_class = client.get(reverse("interventions:map"), {"by": "class"}).content.decode()
    assert "3 Oak: 1 pupil" in by_class and "4 Ash: 1 pupil" in by_class
    download = client.get(reverse("interventions:map_export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {r["Pupil"] for r in rows} == {"Okonkwo-Test, Amara", "Marchbanks, Zebedee"}
    amara = next(r for r in rows if r["Pupil"].startswith("Okonkwo"))
    assert (amara["Hours a week"], amara["Cost per pupil (GBP)"]) == ("1.50", "300.00")
    assert amara["Pupil's change"] == "1.0"
    assert AuditEvent.objects.filter(action="export", what__startswith="Provision map").exists()
    xlsx = client.get(reverse("interventions:map_export", args=["xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxml")
    # a class teacher's map holds their own class only
    teacher = login(c.teacher).get(reverse("interventions:map")).content.decode()
    assert "Okonkwo-Test" in teacher and "Marchbanks" not in teacher


def test_measuring_a_finished_one_again(setting, login):
    s = setting
    item = s.intervention([s.cast.amara], start_date=s.day(-8), end_date=s.day(-6))
    client = login(s.cast.head)
    client.get(reverse("interventions:detail", args=[item.pk]))
    assert Evaluation.objects.count() == 1
    response = client.post(reverse("interventions:remeasure", args=[item.pk]), follow=True)
    assert "Measured again" in response.content.decode()
    assert Evaluation.objects.count() == 2
    running = s.intervention(name="Still going", start_date=s.day(-8), end_date=None)
    refused = client.post(reverse("interventions:remeasure", args=[running.pk]), follow=True)
    assert "still running" in refused.content.decode()
