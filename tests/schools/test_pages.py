"""The school pages, as each member of the cast sees them."""

import re

import pytest
from django.urls import reverse

from nextsteps.audit.models import AuditEvent
from nextsteps.schools.models import Characteristic, Pupil, Role

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_teacher_sees_their_class_and_not_another(cast, login):
    client = login(cast.teacher)
    page = text(client.get(reverse("class_list")))
    assert "3 Oak" in page and "4 Ash" not in page
    detail = text(client.get(reverse("class_detail", args=[cast.oak.pk])))
    assert "Okonkwo-Test" in detail and "Quillfeather" in detail and "Marchbanks" not in detail
    assert client.get(reverse("class_detail", args=[cast.ash.pk])).status_code == 404


def test_class_filters_by_characteristic(cast, login):
    client = login(cast.teacher)
    page = text(
        client.get(reverse("class_detail", args=[cast.oak.pk]), {"characteristic": "sen_k"})
    )
    assert "Quillfeather" in page and "Okonkwo-Test" not in page


def test_last_years_class_lists_who_was_in_it(cast, login):
    client = login(cast.head)
    page = text(client.get(reverse("class_detail", args=[cast.elm.pk])))
    assert "Okonkwo-Test" in page and "Quillfeather" in page


def test_pupil_profile_shows_sen_details_to_class_teacher_and_logs_the_read(cast, login):
    bart = cast.bartholomew
    before = AuditEvent.objects.filter(action="read", pupil=bart).count()
    page = text(login(cast.teacher).get(reverse("pupil_detail", args=[bart.pk])))
    assert "Speech, language and communication needs" in page
    reads = AuditEvent.objects.filter(action="read", pupil=bart)
    assert reads.count() == before + 1
    assert reads.first().actor == cast.teacher


def test_teaching_assistant_sees_sen_status_but_not_details(cast, login):
    page = text(login(cast.ta).get(reverse("pupil_detail", args=[cast.bartholomew.pk])))
    assert "SEN support" in page
    assert "Speech, language" not in page
    assert not AuditEvent.objects.filter(action="read", actor=cast.ta).exists()


def test_outsiders_get_404_for_a_pupil(cast, login):
    url = reverse("pupil_detail", args=[cast.zebedee.pk])
    for user in (cast.teacher, cast.parent, cast.pupil, cast.provider, cast.governor):
        response = login(user).get(url)
        assert response.status_code == 404, user
        assert "Marchbanks" not in text(response)


def test_parent_is_sent_to_the_family_view_of_their_own_child(cast, login):
    client = login(cast.parent)
    response = client.get(reverse("pupil_detail", args=[cast.amara.pk]))
    assert response.status_code == 302
    page = text(client.get(response.url))
    assert "Amara" in page and "3 Oak" in page
    home = text(client.get(reverse("home")))
    assert "Amara" in home and "Zebedee" not in home


def test_pupil_home_is_their_own_page(cast, login):
    client = login(cast.pupil)
    response = client.get(reverse("home"), follow=True)
    assert "Hello, Amara" in text(response)


def test_provider_home_lists_only_their_placements(cast, login):
    page = text(login(cast.provider).get(reverse("home")))
    assert "Hollowaygate" in page and "Wrenfield" not in page


def test_governor_sees_anonymised_figures_only(cast, login):
    page = text(login(cast.governor).get(reverse("home")))
    assert "pupils on roll" in page
    for surname in ("Okonkwo", "Quillfeather", "Marchbanks"):
        assert surname not in page
    # 3 pupils: every group is under five, so counts are suppressed
    assert "fewer than 5" in page


def _edit_form(client, pupil):
    page = text(client.get(reverse("pupil_edit", args=[pupil.pk])))
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return {
        "upn": pupil.upn or "",
        "legal_first_name": pupil.legal_first_name,
        "legal_middle_names": "",
        "legal_last_name": pupil.legal_last_name,
        "preferred_first_name": "",
        "preferred_last_name": "",
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "sex": pupil.sex,
        "version": version,
    }


def test_two_people_editing_a_pupil_the_second_is_told_and_nothing_is_lost(cast, login, client):
    amara = cast.amara
    from django.test import Client

    head, leader = Client(), Client()
    head.force_login(cast.head)
    leader.force_login(cast.leader)
    first = _edit_form(head, amara)
    second = _edit_form(leader, amara)
    first["preferred_first_name"] = "Mara"
    assert head.post(reverse("pupil_edit", args=[amara.pk]), first).status_code == 302
    second["legal_middle_names"] = "Chidinma"
    response = leader.post(reverse("pupil_edit", args=[amara.pk]), second)
    assert response.status_code == 200
    assert "Someone else changed this record" in text(response)
    amara.refresh_from_db()
    assert amara.preferred_first_name == "Mara" and amara.legal_middle_names == ""
    assert amara.version == int(first["version"]) + 1


def test_a_bad_upn_is_refused_with_a_clear_message_beside_the_field(cast, login):
    client = login(cast.head)
    data = _edit_form(client, cast.amara)
    data["upn"] = "A" + data["upn"][1:] if data["upn"][0] != "A" else "B" + data["upn"][1:]
    response = client.post(reverse("pupil_edit", args=[cast.amara.pk]), data)
    page = text(response)
    assert response.status_code == 200
    assert "check letter" in page and 'id="id_upn_error"' in page
    before = cast.amara.version
    cast.amara.refresh_from_db()
    assert cast.amara.version == before


def test_teacher_cannot_edit_a_pupil(cast, login):
    assert login(cast.teacher).get(reverse("pupil_edit", args=[cast.amara.pk])).status_code == 403


def test_recording_a_characteristic_keeps_history(cast, login):
    client = login(cast.senco)
    url = reverse("pupil_characteristic", args=[cast.bartholomew.pk])
    response = client.post(
        url, {"kind": "sen", "value": "E", "start_date": "2030-01-01", "details": "EHC plan issued"}
    )
    assert response.status_code == 302
    records = list(
        Characteristic.objects.filter(pupil=cast.bartholomew, kind="sen").order_by("start_date")
    )
    assert [r.value for r in records] == ["K", "E"]
    assert records[0].end_date.isoformat() == "2029-12-31"
    bad = client.post(url, {"kind": "eal", "value": "K", "start_date": "2030-01-01"})
    assert bad.status_code == 302
    assert not Characteristic.objects.filter(pupil=cast.bartholomew, kind="eal").exists()


def test_head_adds_a_pupil_with_enrolment(cast, login):
    client = login(cast.head)
    url = reverse("pupil_create") + f"?school={cast.school.pk}"
    response = client.post(
        url,
        {
            "upn": "",
            "legal_first_name": "Nia",
            "legal_last_name": "Newcombe",
            "date_of_birth": "2018-03-04",
            "sex": "F",
            "year_group": cast.y3.pk,
            "school_class": cast.oak.pk,
        },
    )
    assert response.status_code == 302, text(response)
    nia = Pupil.objects.get(legal_last_name="Newcombe")
    assert nia.enrolments.get().school_class == cast.oak
    assert "Newcombe" in text(login(cast.teacher).get(reverse("class_detail", args=[cast.oak.pk])))


def test_year_group_names_can_be_swapped(cast, login):
    client = login(cast.head)
    y3, y4 = cast.y3, cast.y4
    data = {"action": "year_groups"}
    for yg in cast.school.year_groups.all():
        data[f"yg_{yg.pk}"] = yg.name
    data[f"yg_{y3.pk}"], data[f"yg_{y4.pk}"] = "Year 4", "Year 3"
    response = client.post(reverse("school_settings") + f"?school={cast.school.pk}", data)
    assert response.status_code == 302
    y3.refresh_from_db()
    assert y3.name == "Year 4"
    data[f"yg_{y3.pk}"] = "Year 5"  # clashes with the real Year 5
    response = client.post(reverse("school_settings"), data)
    assert "different name" in text(response)


def test_adding_an_academic_year_creates_its_assessment_points(cast, login):
    client = login(cast.leader)
    response = client.post(
        reverse("school_settings"),
        {
            "action": "academic_year",
            "start_year": 2040,
            "points": "Autumn, Spring 1, Spring 2, Summer",
        },
    )
    assert response.status_code == 302
    year = cast.school.academic_years.get(start_date__year=2040)
    assert [p.name for p in year.assessment_points.all()] == [
        "Autumn",
        "Spring 1",
        "Spring 2",
        "Summer",
    ]


def test_school_settings_refused_to_teachers_and_parents(cast, login):
    for user in (cast.teacher, cast.ta, cast.parent, cast.governor, cast.provider):
        assert login(user).get(reverse("school_settings")).status_code == 403


def test_head_gives_a_new_person_a_role_and_they_are_emailed(cast, login, mailoutbox):
    client = login(cast.head)
    if True:
        response = client.post(
            reverse("staff_list"),
            {
                "email": "new.teacher@example.org",
                "first_name": "Noor",
                "last_name": "Haddad",
                "role": "class_teacher",
            },
        )
    assert response.status_code == 302
    assert Role.objects.filter(
        user__email="new.teacher@example.org", kind="class_teacher", school=cast.school
    ).exists()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.teacher@example.org"]


def test_head_cannot_remove_their_own_head_role(cast, login):
    role = Role.objects.get(user=cast.head, kind="head")
    response = login(cast.head).post(reverse("staff_list"), {"revoke": role.pk}, follow=True)
    assert "cannot remove your own" in text(response)
    assert Role.objects.filter(pk=role.pk).exists()


def test_class_staff_assignment(cast, login):
    client = login(cast.head)
    response = client.post(
        reverse("class_staff", args=[cast.ash.pk]), {"user": cast.teacher.pk, "kind": "teacher"}
    )
    assert response.status_code == 302
    page = text(login(cast.teacher).get(reverse("class_detail", args=[cast.ash.pk])))
    assert "Marchbanks" in page
    assert (
        login(cast.teacher)
        .post(reverse("class_staff", args=[cast.oak.pk]), {"user": cast.ta.pk, "kind": "ta"})
        .status_code
        == 403
    )


def test_groups_show_only_visible_members(cast, login):
    client = login(cast.head)
    client.post(reverse("group_list"), {"name": "Phonics focus", "kind": "focus"})
    from nextsteps.schools.models import Group

    group = Group.objects.get(name="Phonics focus")
    for pupil in (cast.amara, cast.zebedee):
        assert (
            client.post(reverse("group_detail", args=[group.pk]), {"pupil": pupil.pk}).status_code
            == 302
        )
    page = text(login(cast.teacher).get(reverse("group_detail", args=[group.pk])))
    assert "Amara" in page and "Zebedee" not in page and "1 more" in page
    assert login(cast.parent).get(reverse("group_detail", args=[group.pk])).status_code == 404


def test_audit_log_for_the_head_only(cast, login):
    page = text(
        login(cast.head).get(reverse("audit:log"), {"model": "schools.pupil", "action": "create"})
    )
    assert "schools.pupil" in page
    for user in (cast.teacher, cast.senco, cast.parent, cast.governor):
        assert login(user).get(reverse("audit:log")).status_code == 403


def test_changes_are_audited_with_before_and_after(cast):
    from nextsteps.audit.context import acting_as
    from nextsteps.schools import services

    with acting_as(cast.head):
        services.update_pupil(cast.amara, {"preferred_first_name": "Ama"}, cast.amara.version)
    event = AuditEvent.objects.filter(model="schools.pupil", action="update").first()
    assert event.actor == cast.head
    assert event.changes["changed"]["preferred_first_name"] == ["", "Ama"]


def test_pupil_list_shows_each_pupils_class_and_characteristics(cast, login):
    page = text(login(cast.head).get(reverse("pupil_list")))
    row = page[page.index("Quillfeather") :].split("</tr>")[0]
    assert "3 Oak" in row and "SEN K" in row
    row = page[page.index("Okonkwo-Test") :].split("</tr>")[0]
    assert "Disadvantaged" in row and "SEN" not in row
