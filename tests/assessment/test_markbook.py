"""The markbook: what the grid shows and to whom, saving (single, clear, conflict, bulk fill),
cell history, pupils tracked at their own stage, and the filters."""

import json
from datetime import date

import pytest
from django.urls import reverse

from nextsteps.assessment import services
from nextsteps.assessment.models import CurrentJudgement, Judgement
from nextsteps.curriculum.models import PupilStage
from nextsteps.curriculum.services import set_working_stage
from nextsteps.schools import services as school_services
from tests.curriculum_cast import build_maths

pytestmark = pytest.mark.django_db


@pytest.fixture
def maths(cast):
    return build_maths(cast.school)


def grid_url(cast, **params):
    url = reverse("assessment:markbook_class", args=[cast.oak.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def save(client, *cells):
    return client.post(
        reverse("assessment:markbook_save"),
        data=json.dumps({"cells": list(cells)}),
        content_type="application/json",
    )


def cell(pupil, objective, grade, expected=None):
    return {
        "pupil": pupil.pk,
        "objective": objective.pk,
        "grade": grade.pk if grade else None,
        "expected": expected,
    }


# The grid -----------------------------------------------------------------------------------


def test_teacher_sees_the_class_at_its_year_stage_with_labels_and_coverage(cast, maths, login):
    y3_1, y3_2 = maths.objectives[0], maths.objectives[1]
    services.record_judgement(cast.amara, y3_1, maths.grades["S"], by=cast.teacher)
    services.record_judgement(cast.bartholomew, y3_1, maths.grades["D"], by=cast.teacher)
    services.record_judgement(cast.amara, y3_2, maths.grades["M"], by=cast.teacher)
    body = login(cast.teacher).get(grid_url(cast)).content.decode()
    assert 'role="grid"' in body
    assert "MY3.1" in body and "MY3.3" in body and "MY4.1" not in body
    assert 'aria-label="Amara Okonkwo-Test, objective MY3.1: Secure"' in body
    assert 'aria-label="Bartholomew Quillfeather, objective MY3.1: Developing"' in body
    assert 'aria-label="Bartholomew Quillfeather, objective MY3.2: Not assessed"' in body
    # colour and label together
    assert 'style="--grade: #00703c"' in body and '<span class="label">S</span>' in body
    # per objective: MY3.1 has 1 of 2 secure; per pupil: Amara 2 of 3
    assert "1/2 secure (50%)" in body
    assert "2/3 (67%)" in body and "0/3 (0%)" in body
    assert "Zebedee" not in body  # in 4 Ash


def test_stage_can_be_chosen(cast, maths, login):
    body = login(cast.teacher).get(grid_url(cast, stage=maths.y4.pk)).content.decode()
    assert "MY4.1" in body and "MY3.1" not in body


def test_school_without_a_framework_says_so(cast, login):
    response = login(cast.teacher).get(grid_url(cast))
    assert response.status_code == 200
    assert "does not use a curriculum framework" in response.content.decode()


@pytest.mark.parametrize("who", ["head", "leader", "senco", "teacher", "ta", "trust_staff"])
def test_staff_of_the_class_see_it(cast, maths, login, who):
    response = login(cast.users[who]).get(grid_url(cast))
    assert response.status_code == 200
    assert "Okonkwo-Test" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["other_teacher", "parent", "pupil", "provider", "governor", "other_parent"]
)
def test_others_are_refused_and_see_no_names(cast, maths, login, who):
    client = login(cast.users[who])
    for url in (grid_url(cast), reverse("assessment:markbook")):
        response = client.get(url)
        body = response.content.decode()
        if url == grid_url(cast):
            assert response.status_code == 404
        else:
            assert response.status_code in (200, 403)
        assert "Okonkwo" not in body and "Quillfeather" not in body


def test_read_only_for_staff_who_cannot_record(cast, maths, login):
    body = login(cast.trust_staff).get(grid_url(cast)).content.decode()
    assert 'aria-readonly="true"' in body and 'data-can-record="0"' in body
    body = login(cast.ta).get(grid_url(cast)).content.decode()
    assert 'data-can-record="1"' in body


def test_group_grid_shows_only_members_the_user_may_see(cast, maths, login):
    group = school_services.create_group(cast.school, "Maths boosters", "intervention")
    for pupil in (cast.amara, cast.zebedee):
        school_services.add_to_group(group, pupil)
    url = reverse("assessment:markbook_group", args=[group.pk])
    body = login(cast.teacher).get(url).content.decode()
    assert "Okonkwo-Test" in body and "Marchbanks" not in body
    body = login(cast.head).get(url).content.decode()
    assert "Okonkwo-Test" in body and "Marchbanks" in body
    assert login(cast.parent).get(url).status_code == 404


def test_index_lists_the_teachers_classes(cast, maths, login):
    body = login(cast.teacher).get(reverse("assessment:markbook")).content.decode()
    assert "3 Oak" in body and "4 Ash" not in body


# Saving -------------------------------------------------------------------------------------


def test_save_records_a_judgement_and_returns_its_id(cast, maths, login):
    obj = maths.objectives[0]
    response = save(login(cast.teacher), cell(cast.amara, obj, maths.grades["S"]))
    assert response.status_code == 200
    result = response.json()["results"][0]
    current = CurrentJudgement.objects.get(pupil=cast.amara, objective=obj)
    assert result["status"] == "saved" and result["judgement"] == current.judgement_id
    assert result["grade"]["short"] == "S" and current.grade == maths.grades["S"]
    assert current.judgement.recorded_by == cast.teacher


def test_teaching_assistant_can_save_and_clear(cast, maths, login):
    client = login(cast.ta)
    obj = maths.objectives[0]
    first = save(client, cell(cast.amara, obj, maths.grades["D"])).json()["results"][0]
    cleared = save(client, cell(cast.amara, obj, None, first["judgement"]))
    assert cleared.status_code == 200
    assert cleared.json()["results"][0]["grade"] is None
    assert CurrentJudgement.objects.get(pupil=cast.amara, objective=obj).grade is None
    assert Judgement.objects.filter(pupil=cast.amara, objective=obj).count() == 2


def test_second_editor_gets_409_with_the_other_persons_grade_and_name(cast, maths, login, client):
    obj = maths.objectives[0]
    # both pages showed an empty cell; the teacher saves first
    save(login(cast.teacher), cell(cast.amara, obj, maths.grades["S"]))
    response = save(login(cast.ta), cell(cast.amara, obj, maths.grades["N"], None))
    assert response.status_code == 409
    result = response.json()["results"][0]
    assert result["status"] == "conflict" and result["grade"]["short"] == "S"
    assert result["by"] == str(cast.teacher) and "yours was not saved" in result["message"]
    assert CurrentJudgement.objects.get(pupil=cast.amara, objective=obj).grade.short_label == "S"
    # the TA now edits over what they were shown, and it saves
    again = save(client, cell(cast.amara, obj, maths.grades["N"], result["judgement"]))
    assert again.status_code == 200


@pytest.mark.parametrize("who,status", [("other_teacher", 404), ("head", 200)])
def test_save_needs_a_visible_pupil(cast, maths, login, who, status):
    response = save(
        login(cast.users[who]), cell(cast.amara, maths.objectives[0], maths.grades["S"])
    )
    assert response.status_code == status


@pytest.mark.parametrize("who", ["trust_staff", "parent", "pupil", "provider", "governor"])
def test_save_refused_without_record_judgements(cast, maths, login, who):
    response = save(
        login(cast.users[who]), cell(cast.amara, maths.objectives[0], maths.grades["S"])
    )
    assert response.status_code == 403
    assert not Judgement.objects.exists()


def test_save_refuses_bad_cells_clearly(cast, maths, login):
    client = login(cast.teacher)
    no_expected = {"pupil": cast.amara.pk, "objective": maths.objectives[0].pk, "grade": None}
    no_expected["grade"] = maths.grades["S"].pk
    response = save(client, no_expected)
    assert response.status_code == 400 and "did not say" in response.json()["results"][0]["message"]
    wrong_scale = maths.summary.grades.first()
    response = save(client, cell(cast.amara, maths.objectives[0], wrong_scale))
    assert (
        response.status_code == 400
        and "not on the scale" in response.json()["results"][0]["message"]
    )
    response = client.post(
        reverse("assessment:markbook_save"), data="nonsense", content_type="application/json"
    )
    assert response.status_code == 400
    assert not Judgement.objects.exists()


def test_objective_of_a_framework_the_school_does_not_use_is_not_found(cast, login):
    other = build_maths()  # not adopted by the school
    response = save(login(cast.teacher), cell(cast.amara, other.objectives[0], other.grades["S"]))
    assert response.status_code == 404


def test_bulk_fill_applies_or_refuses_each_cell_and_drops_none(cast, maths, login):
    y3 = maths.objectives[:3]
    services.record_judgement(cast.bartholomew, y3[1], maths.grades["M"], by=cast.head)
    cells = [cell(cast.amara, o, maths.grades["S"]) for o in y3]
    cells += [cell(cast.bartholomew, o, maths.grades["S"]) for o in y3]  # y3[1] is stale
    cells.append(cell(cast.zebedee, y3[0], maths.grades["S"]))  # not the teacher's pupil
    response = save(login(cast.teacher), *cells)
    assert response.status_code == 200
    data = response.json()
    statuses = [r["status"] for r in data["results"]]
    assert statuses == ["saved", "saved", "saved", "saved", "conflict", "saved", "not_found"]
    assert data["saved"] == 5 and data["failed"] == 2
    assert [(r["pupil"], r["objective"]) for r in data["results"]] == [
        (c["pupil"], c["objective"]) for c in cells
    ]
    assert (
        CurrentJudgement.objects.get(pupil=cast.bartholomew, objective=y3[1]).grade
        == (maths.grades["M"])
    )
    assert CurrentJudgement.objects.filter(grade=maths.grades["S"]).count() == 5


def test_empty_request_saves_nothing(cast, maths, login):
    response = login(cast.teacher).post(reverse("assessment:markbook_save"))
    assert response.status_code == 200 and response.json()["results"] == []


# History ------------------------------------------------------------------------------------


def test_history_lists_every_event_with_who_and_corrections(cast, maths, login):
    obj = maths.objectives[0]
    first = services.record_judgement(cast.amara, obj, maths.grades["D"], by=cast.ta)
    services.record_judgement(
        cast.amara, obj, maths.grades["S"], by=cast.teacher, expected=first.pk
    )
    url = reverse("assessment:markbook_history", args=[cast.amara.pk, obj.pk])
    body = login(cast.teacher).get(url).content.decode()
    assert body.index("Developing") < body.index("Secure")
    assert str(cast.ta) in body and str(cast.teacher) in body
    assert login(cast.other_teacher).get(url).status_code == 404
    assert login(cast.parent).get(url).status_code == 403


# Pupils working at another stage ------------------------------------------------------------


def test_pupil_tracked_at_another_stage_is_listed_not_failed(cast, maths, login):
    set_working_stage(cast.bartholomew, maths.maths, maths.y4, since=date(2020, 1, 1))
    client = login(cast.teacher)
    body = client.get(grid_url(cast)).content.decode()
    assert "Bartholomew Quillfeather, objective" not in body
    assert "tracked at Year 4 in this subject" in body
    assert f"stage={maths.y4.pk}" in body
    body = client.get(grid_url(cast, stage=maths.y4.pk)).content.decode()
    assert 'aria-label="Bartholomew Quillfeather, objective MY4.1: Not assessed"' in body
    # Amara, tracked at her year, is still shown in any stage chosen
    assert "Amara Okonkwo-Test, objective MY4.1" in body


def test_working_stage_form(cast, maths, login):
    url = reverse("assessment:markbook_working_stage", args=[cast.bartholomew.pk, maths.maths.pk])
    client = login(cast.ta)
    assert client.get(url).status_code == 200
    response = client.post(url, {"stage": maths.y4.pk, "since": "", "next": grid_url(cast)})
    assert response.status_code == 200 and "required" in response.content.decode()
    assert not PupilStage.objects.exists()
    response = client.post(
        url,
        {"stage": maths.y4.pk, "since": "2024-09-01", "reason": "Ahead", "next": grid_url(cast)},
    )
    assert response.status_code == 302 and response.url == grid_url(cast)
    stage = PupilStage.objects.get()
    assert stage.stage == maths.y4 and stage.set_by == cast.ta
    assert login(cast.trust_staff).get(url).status_code == 403
    assert login(cast.other_teacher).get(url).status_code == 404


# Filters ------------------------------------------------------------------------------------


def names_in(body):
    return {
        n
        for n in ("Okonkwo-Test", "Quillfeather")
        if f"{n}, objective"
        in body.replace("Amara Okonkwo-Test", "Okonkwo-Test").replace(
            "Bartholomew Quillfeather", "Quillfeather"
        )
    }


def test_filters_by_characteristic_and_group(cast, maths, login):
    client = login(cast.teacher)
    assert names_in(client.get(grid_url(cast, characteristic="sen_k")).content.decode()) == {
        "Quillfeather"
    }
    assert names_in(
        client.get(grid_url(cast, characteristic="disadvantaged")).content.decode()
    ) == {"Okonkwo-Test"}
    assert names_in(client.get(grid_url(cast, characteristic="eal")).content.decode()) == set()
    group = school_services.create_group(cast.school, "Focus", "focus")
    school_services.add_to_group(group, cast.bartholomew)
    assert names_in(client.get(grid_url(cast, group=group.pk)).content.decode()) == {"Quillfeather"}


def test_key_objectives_only_and_sort_by_attainment(cast, maths, login):
    client = login(cast.teacher)
    body = client.get(grid_url(cast, key=1)).content.decode()
    assert "MY3.1" in body and "MY3.3" not in body
    services.record_judgement(cast.bartholomew, maths.objectives[0], maths.grades["S"], by=None)
    body = client.get(grid_url(cast)).content.decode()
    assert body.index("Okonkwo-Test, Amara") < body.index("Quillfeather, Bartholomew")
    body = client.get(grid_url(cast, sort="attainment")).content.decode()
    assert body.index("Quillfeather, Bartholomew") < body.index("Okonkwo-Test, Amara")
