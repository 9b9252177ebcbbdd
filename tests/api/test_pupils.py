"""Pupils through the API: scoped lists and filters, SEN details with their audit, creation
with field errors, and updates guarded by the version the client read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nextsteps.audit.models import AuditEvent
from nextsteps.lib.upn import make_upn
from nextsteps.schools import services
from nextsteps.schools.models import Pupil

from .conftest import names_in

pytestmark = pytest.mark.django_db


def new_pupil(cast, **extra):
    return {
        "legal_first_name": "Neve",
        "legal_last_name": "Newcombe",
        "date_of_birth": "2018-03-04",
        "sex": "F",
        "school_id": cast.school.pk,
        "year_group_id": cast.y3.pk,
        "class_id": cast.oak.pk,
        **extra,
    }


def fields_at_fault(response) -> set:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    return {error["field"] for error in body["errors"]}


# Lists and filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, expected",
    [
        ("head", {"Amara", "Bartholomew", "Zebedee"}),
        ("teacher", {"Amara", "Bartholomew"}),
        ("other_teacher", {"Zebedee"}),
        ("parent", {"Amara"}),
        ("pupil", {"Amara"}),
        ("provider", {"Priya"}),
        ("other_provider", {"Tomasz"}),
        ("governor", set()),
    ],
)
def test_each_role_lists_only_the_pupils_it_may_see(api, cast, user, expected):
    assert names_in(api.get(getattr(cast, user), "/pupils")) == expected


def test_filters(api, cast):
    group = services.create_group(cast.school, "Reading focus", "focus")
    services.add_to_group(group, cast.zebedee)

    def names(query):
        return names_in(api.get(cast.head, f"/pupils?{query}"))

    assert names(f"school_id={cast.school.pk}") == {"Amara", "Bartholomew", "Zebedee"}
    assert names(f"class_id={cast.oak.pk}") == {"Amara", "Bartholomew"}
    assert names(f"class_id={cast.elm.pk}") == {"Amara", "Bartholomew"}  # last year's class
    assert names(f"year_group_id={cast.y4.pk}") == {"Zebedee"}
    assert names(f"group_id={group.pk}") == {"Zebedee"}
    assert names("sen=K") == {"Bartholomew"}
    assert names("sen=N") == {"Amara", "Zebedee"}
    assert names("sen=E") == set()
    assert names("disadvantaged=true") == {"Amara"}
    assert names("disadvantaged=false") == {"Bartholomew", "Zebedee"}
    assert names("eal=true") == set()
    assert names("search=quill") == {"Bartholomew"}
    assert names("search=amara okonkwo") == {"Amara"}
    assert names(f"class_id={cast.oak.pk}&disadvantaged=true") == {"Amara"}


def test_filters_never_widen_the_scope(api, cast):
    assert names_in(api.get(cast.teacher, f"/pupils?class_id={cast.ash.pk}")) == set()
    assert names_in(api.get(cast.provider, f"/pupils?school_id={cast.hub.pk}")) == {"Priya"}


def test_a_bad_filter_names_the_field(api, cast):
    assert fields_at_fault(api.get(cast.head, "/pupils?sen=Q")) == {"sen"}
    assert fields_at_fault(api.get(cast.head, "/pupils?disadvantaged=maybe")) == {"disadvantaged"}


def test_pagination(api, cast):
    page = api.get(cast.head, "/pupils?limit=2&offset=0").json()
    assert page["count"] == 3
    assert [p["legal_first_name"] for p in page["items"]] == ["Zebedee", "Amara"]
    rest = api.get(cast.head, "/pupils?limit=2&offset=2").json()
    assert [p["legal_first_name"] for p in rest["items"]] == ["Bartholomew"]


def test_the_list_makes_no_query_per_pupil(api, cast):
    api.get(cast.head, "/pupils")  # warm up: token, sessions, content types

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(cast.head, "/pupils?limit=100").status_code == 200
        return len(captured)

    before = queries()
    for n in range(8):
        pupil = services.create_pupil(
            legal_first_name=f"Extra{n}",
            legal_last_name="Pupil",
            date_of_birth=cast.amara.date_of_birth,
            sex="F",
        )
        services.enrol_pupil(
            pupil, cast.school, cast.y3, school_class=cast.oak, start_date=cast.year.start_date
        )
        services.set_characteristic(pupil, "eal", True, start_date=cast.year.start_date)
    assert queries() == before


# Detail and SEN details ---------------------------------------------------------------------


def sen_reads(pupil):
    return AuditEvent.objects.filter(action="read", pupil=pupil).count()


@pytest.mark.parametrize("user", ["senco", "head", "teacher"])
def test_sen_details_are_shown_to_those_allowed_and_the_read_is_logged(api, cast, user):
    response = api.get(getattr(cast, user), f"/pupils/{cast.bartholomew.pk}")
    assert response.status_code == 200
    (sen,) = [c for c in response.json()["characteristics"] if c["kind"] == "sen"]
    assert sen["value"] == "K"
    assert sen["details"] == "Speech, language and communication needs"
    assert sen_reads(cast.bartholomew) == 1


@pytest.mark.parametrize("user", ["ta", "leader"])
def test_sen_details_are_withheld_from_others_and_nothing_is_logged(api, cast, user):
    response = api.get(getattr(cast, user), f"/pupils/{cast.bartholomew.pk}")
    assert response.status_code == 200
    (sen,) = [c for c in response.json()["characteristics"] if c["kind"] == "sen"]
    assert sen["value"] == "K" and sen["details"] is None
    assert "Speech" not in response.content.decode()
    assert sen_reads(cast.bartholomew) == 0


def test_detail_shows_enrolments_and_groups(api, cast):
    group = services.create_group(cast.school, "Reading focus", "focus")
    services.add_to_group(group, cast.amara)
    body = api.get(cast.parent, f"/pupils/{cast.amara.pk}").json()
    assert [e["class_name"] for e in body["enrolments"]] == ["2 Elm", "3 Oak"]
    assert [g["name"] for g in body["groups"]] == ["Reading focus"]
    cast.amara.refresh_from_db()
    assert body["summer_born"] is False and body["version"] == cast.amara.version


def test_not_found_is_json_with_the_same_shape(api, cast):
    response = api.get(cast.head, "/pupils/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found, or not yours to see.", "errors": []}


# Create -------------------------------------------------------------------------------------


def test_create_puts_the_pupil_on_roll_with_characteristics(api, cast):
    upn = make_upn(201, 2001, 18, 44)
    body = new_pupil(cast, upn=upn, characteristics=[{"kind": "sen", "value": "E"}])
    response = api.post(cast.head, "/pupils", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["upn"] == upn and created["upn_temporary"] is False
    assert created["enrolments"][0]["class_name"] == "3 Oak"
    assert [(c["kind"], c["value"]) for c in created["characteristics"]] == [("sen", "E")]
    assert "Neve" in names_in(api.get(cast.teacher, "/pupils"))


def test_a_bad_upn_check_letter_names_the_upn_field_and_saves_nothing(api, cast):
    good = make_upn(201, 2001, 18, 45)
    wrong_letter = ("B" if good[0] != "B" else "C") + good[1:]
    before = Pupil.objects.count()
    response = api.post(cast.head, "/pupils", new_pupil(cast, upn=wrong_letter))
    assert fields_at_fault(response) == {"upn"}
    assert "check letter" in response.json()["errors"][0]["message"]
    assert Pupil.objects.count() == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"sex": "X"}, "sex"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth"),
        ({"date_of_birth": "31/02/2018"}, "date_of_birth"),
        ({"legal_first_name": ""}, "legal_first_name"),
        ({"year_group_id": 999999}, "year_group_id"),
        ({"characteristics": [{"kind": "sen", "value": "Z"}]}, "value"),
        ({"characteristics": [{"kind": "shoe_size", "value": "Y"}]}, "characteristics.0.kind"),
    ],
)
def test_invalid_input_names_the_field_and_saves_nothing(api, cast, change, field):
    before = Pupil.objects.count()
    response = api.post(cast.head, "/pupils", new_pupil(cast, **change))
    assert fields_at_fault(response) == {field}
    assert Pupil.objects.count() == before


def test_a_missing_body_field_is_named(api, cast):
    body = new_pupil(cast)
    del body["legal_last_name"]
    assert fields_at_fault(api.post(cast.head, "/pupils", body)) == {"legal_last_name"}


# Update with the version read ---------------------------------------------------------------


def test_update_with_the_current_version_raises_it(api, cast):
    path = f"/pupils/{cast.zebedee.pk}"
    read = api.get(cast.head, path).json()["version"]
    response = api.patch(cast.head, path, {"version": read, "preferred_first_name": "Zeb"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Zeb Marchbanks"
    assert response.json()["version"] == read + 1


def test_a_stale_version_gets_409_with_the_current_version_and_changes_nothing(api, cast):
    path = f"/pupils/{cast.zebedee.pk}"
    read = api.get(cast.leader, path).json()["version"]
    api.patch(cast.head, path, {"version": read, "preferred_first_name": "Zeb"})
    response = api.patch(cast.leader, path, {"version": read, "preferred_first_name": "Zed"})
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == read + 1
    assert "changed" in body["detail"]
    cast.zebedee.refresh_from_db()
    assert cast.zebedee.preferred_first_name == "Zeb"


def test_update_errors_name_the_field(api, cast):
    path = f"/pupils/{cast.zebedee.pk}"
    read = cast.zebedee.version
    assert fields_at_fault(api.patch(cast.head, path, {"upn": "A12345678901B"})) == {"version"}
    bad = api.patch(cast.head, path, {"version": read, "upn": "A12345678901B"})
    assert fields_at_fault(bad) == {"upn"}
    assert fields_at_fault(api.patch(cast.head, path, {"version": read, "sex": None})) == {"sex"}
    cast.zebedee.refresh_from_db()
    assert cast.zebedee.version == read


def test_set_characteristic_keeps_history(api, cast):
    path = f"/pupils/{cast.amara.pk}/characteristics"
    response = api.post(cast.senco, path, {"kind": "eal", "value": "Y"})
    assert response.status_code == 200
    kinds = {c["kind"] for c in response.json()["characteristics"]}
    assert kinds == {"disadvantaged", "eal"}
    bad = api.post(cast.senco, path, {"kind": "eal", "value": "maybe"})
    assert fields_at_fault(bad) == {"characteristics"}


# Enrolments ---------------------------------------------------------------------------------


def test_leave_archives_and_a_second_leave_is_a_field_error(api, cast):
    path = f"/pupils/{cast.zebedee.pk}/leave"
    response = api.post(cast.head, path, {"school_id": cast.school.pk, "reason": "Moved"})
    assert response.status_code == 200
    assert all(e["end_date"] for e in response.json())
    assert Pupil.objects.filter(pk=cast.zebedee.pk).exists()
    again = api.post(cast.head, path, {"school_id": cast.school.pk})
    assert fields_at_fault(again) == {"school_id"}
    # archived, not deleted: the head still sees the record and its history
    assert "Zebedee" in names_in(api.get(cast.head, "/pupils"))
    history = api.get(cast.head, f"/pupils/{cast.zebedee.pk}/enrolments").json()
    assert [e["leaving_reason"] for e in history] == ["Moved"]


def test_enrol_moves_class_and_checks_the_class_belongs_to_the_school(api, cast):
    path = f"/pupils/{cast.amara.pk}/enrolments"
    moved = api.post(
        cast.head,
        path,
        {"school_id": cast.school.pk, "year_group_id": cast.y4.pk, "class_id": cast.ash.pk},
    )
    assert moved.status_code == 201
    assert moved.json()["class_name"] == "4 Ash"
    assert "Amara" in names_in(api.get(cast.other_teacher, "/pupils"))
    hub_group = cast.hub.year_groups.first()
    wrong = api.post(cast.head, path, {"school_id": cast.school.pk, "year_group_id": hub_group.pk})
    assert fields_at_fault(wrong) == {"year_group_id"}
