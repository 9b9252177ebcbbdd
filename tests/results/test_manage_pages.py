"""The /results/ pages: the lists, tuning a definition, loading a norm table, sittings, and
the class grid with its JSON save (versions, conflicts, errors) and diagnostic rules."""

import json
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nextsteps.audit.models import AuditEvent
from nextsteps.results import services
from nextsteps.results.models import NormTable, Result, Sitting
from tests.cast import add_pupils_to_oak
from tests.results.conftest import sitting_day


def save(client, sitting, **row):
    row.setdefault("version", 0)
    return client.post(
        reverse("results:save", args=[sitting.pk]),
        data=json.dumps(row),
        content_type="application/json",
    )


# Lists and definitions -------------------------------------------------------------------------


def test_index_lists_definitions_and_sittings_without_diagnostics_for_teachers(
    cast, login, sitting_of
):
    sitting_of("ks2-reading", name="KS2 reading, May")
    sitting_of("dyslexia-screening", name="Dyslexia screen, Y3")
    teacher = login(cast.teacher).get(reverse("results:index")).content.decode()
    assert "KS2 reading, May" in teacher and "Phonics screening check" in teacher
    assert "Dyslexia" not in teacher
    assert "New sitting" not in teacher
    login(cast.senco)
    senco = login(cast.senco).get(reverse("results:index")).content.decode()
    assert "Dyslexia screen, Y3" in senco and "Dyslexia screening" in senco


def test_definition_page_shows_bands_and_who_may_change_them(cast, login, definition_of):
    reading = definition_of("standardised-reading")
    url = reverse("results:definition", args=[reading.pk])
    page = login(cast.teacher).get(url).content.decode()
    assert "Below average" in page and "Above average" in page
    assert reverse("results:definition_edit", args=[reading.pk]) not in page
    page = login(cast.leader).get(url).content.decode()
    assert reverse("results:definition_edit", args=[reading.pk]) in page
    assert reverse("results:norm_upload", args=[reading.pk]) in page
    dyslexia = definition_of("dyslexia-screening")
    assert (
        login(cast.teacher).get(reverse("results:definition", args=[dyslexia.pk])).status_code
        == 404
    )


def edit_data(definition, bands, **changes):
    data = {
        "name": definition.name,
        "publisher": definition.publisher,
        "description": definition.description,
        "max_mark": definition.max_mark or "",
        "min_score": definition.min_score or "",
        "max_score": definition.max_score or "",
        "threshold": definition.threshold or "",
        "active": "on",
        "version": definition.version,
        "bands-TOTAL_FORMS": len(bands),
        "bands-INITIAL_FORMS": 0,
    }
    for n, band in enumerate(bands):
        for key, value in band.items():
            data[f"bands-{n}-{key}"] = value
    data.update(changes)
    return data


def test_tuning_a_definition_moves_results_into_new_bands(cast, login, sitting_of, definition_of):
    sitting = sitting_of("ks2-maths")
    services.record_result(sitting, cast.amara, by=cast.teacher, score=108)
    ks2 = definition_of("ks2-maths")
    bands = [
        {"label": "Below", "lower": 80, "upper": 100, "expectation": "below", "colour": "#ffbf47"},
        {"label": "Expected", "lower": 100, "upper": 105, "expectation": "at", "colour": "#00703c"},
        {"label": "Above", "lower": 105, "expectation": "above", "colour": "#1d4f91"},
        {"label": "", "expectation": "at", "colour": "#000000"},  # the empty extra row
    ]
    client = login(cast.leader)
    url = reverse("results:definition_edit", args=[ks2.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, edit_data(ks2, bands, threshold="101"))
    assert response.status_code == 302
    result = Result.objects.get()
    assert (result.band.label, result.met_threshold) == ("Above", True)
    ks2.refresh_from_db()
    assert ks2.threshold == D(101) and ks2.bands.count() == 3


def test_bad_bands_and_stale_edits_are_shown_and_change_nothing(cast, login, definition_of):
    ks2 = definition_of("ks2-maths")
    client = login(cast.leader)
    url = reverse("results:definition_edit", args=[ks2.pk])
    gap = [
        {"label": "Low", "lower": 80, "upper": 100, "expectation": "below", "colour": "#ffbf47"},
        {"label": "High", "lower": 101, "expectation": "above", "colour": "#1d4f91"},
    ]
    response = client.post(url, edit_data(ks2, gap, threshold="99"))
    assert response.status_code == 400
    assert "Band 2 must start where band 1 ends." in response.content.decode()
    stale = client.post(url, edit_data(ks2, gap[:1], version=ks2.version - 1))
    assert "Someone else changed this assessment meanwhile" in stale.content.decode()
    ks2.refresh_from_db()
    assert ks2.threshold == D(100) and ks2.bands.count() == 3
    assert login(cast.teacher).get(url).status_code == 403


def test_norm_table_upload_reports_lines_then_loads(cast, login, definition_of):
    reading = definition_of("standardised-reading")
    client = login(cast.leader)
    url = reverse("results:norm_upload", args=[reading.pk])
    bad = SimpleUploadedFile("norms.csv", b"Raw,8:00,8:01\n1,70,71\n2,69,x\n")
    response = client.post(url, {"file": bad, "name": "Spring"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was loaded" in page and "&#x27;x&#x27; is not a number" in page
    assert "raw 2 gives 69, less than raw 1 (70)" in page
    assert not NormTable.objects.exists()
    good = SimpleUploadedFile("norms.csv", b"Raw,8:00,8:01\n1,70,<70\n2,72,71\n")
    response = client.post(url, {"file": good, "name": "Spring", "source": "Page 12"})
    assert response.status_code == 302
    table = NormTable.objects.get()
    assert (table.name, table.source, table.entries.count()) == ("Spring", "Page 12", 3)
    assert login(cast.teacher).get(url).status_code == 403
    ks2 = definition_of("ks2-reading")
    assert login(cast.leader).get(reverse("results:norm_upload", args=[ks2.pk])).status_code == 404


# Sittings ------------------------------------------------------------------------------------


def test_create_and_change_a_sitting(cast, login, definition_of):
    phonics = definition_of("phonics-screening-check")
    client = login(cast.leader)
    url = reverse("results:sitting_create", args=[phonics.pk])
    day = sitting_day(cast)
    outside = client.post(url, {"date": "1999-06-10", "name": ""})
    assert outside.status_code == 400
    assert "No academic year at the school includes 10 June 1999" in outside.content.decode()
    response = client.post(url, {"date": day.isoformat(), "name": "", "threshold": ""})
    sitting = Sitting.objects.get()
    assert response.url == reverse("results:sitting", args=[sitting.pk])
    assert sitting.name == f"Phonics screening check, May {day.year}"
    services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=31)
    edit = reverse("results:sitting_edit", args=[sitting.pk])
    client.post(edit, {"date": day.isoformat(), "name": "Phonics", "threshold": "31"})
    sitting.refresh_from_db()
    assert (sitting.name, sitting.threshold) == ("Phonics", D(31))
    assert Result.objects.get().met_threshold is True
    page = client.get(reverse("results:sitting", args=[sitting.pk])).content.decode()
    assert "(this sitting's own)" in page
    assert reverse("results:grid_class", args=[sitting.pk, cast.oak.pk]) in page


# The grid ------------------------------------------------------------------------------------


def test_grid_shows_inputs_to_recorders_and_values_to_others(
    cast, login, sitting_of, reading_table
):
    sitting = sitting_of("standardised-reading", norm_table=reading_table)
    services.record_result(sitting, cast.amara, by=cast.teacher, raw_score=15)
    url = reverse("results:grid_class", args=[sitting.pk, cast.oak.pk])
    page = login(cast.teacher).get(url).content.decode()
    assert 'aria-label="Raw score, Amara Okonkwo-Test"' in page
    assert 'data-converted="99"' in page and "8 years 7 months" in page
    assert "Average" in page and "Quillfeather" in page
    read_only = login(cast.ta).get(url).content.decode()
    assert "(read only)" in read_only and 'name="raw_score"' not in read_only
    assert "<td>15</td>" in read_only and "<td>99</td>" in read_only
    assert login(cast.other_teacher).get(url).status_code == 404


def test_save_a_row_then_conflict_then_clear(cast, login, sitting_of, reading_table):
    sitting = sitting_of("standardised-reading", norm_table=reading_table)
    client = login(cast.teacher)
    response = save(client, sitting, pupil=cast.amara.pk, raw_score="15")
    data = response.json()
    assert response.status_code == 200 and data["status"] == "saved"
    assert data["result"]["score"] == "99" and data["result"]["converted"] is True
    assert data["result"]["band"]["label"] == "Average" and data["result"]["percentile"] == 47
    # the head changes it meanwhile; the teacher's next save names version 1 and is refused
    services.record_result(sitting, cast.amara, by=cast.head, raw_score=30, expected_version=1)
    response = save(client, sitting, pupil=cast.amara.pk, raw_score="16", version=1)
    assert response.status_code == 409
    assert response.json()["result"]["raw_score"] == "30"
    assert "head changed this result while you were editing" in response.json()["message"]
    response = save(client, sitting, pupil=cast.amara.pk, raw_score="", score="", version=2)
    assert response.json()["status"] == "cleared" and not Result.objects.exists()


@pytest.mark.parametrize(
    ("row", "status", "field"),
    [
        ({"raw_score": "41"}, 400, "raw_score"),
        ({"raw_score": "abc"}, 400, "raw_score"),
        ({"score": "150"}, 400, "score"),
        ({"raw_score": "12", "version": "x"}, 400, ""),
    ],
)
def test_save_refuses_bad_entries(cast, login, sitting_of, reading_table, row, status, field):
    sitting = sitting_of("standardised-reading", norm_table=reading_table)
    response = save(login(cast.teacher), sitting, pupil=cast.amara.pk, **row)
    assert response.status_code == status
    assert response.json()["field"] == field and response.json()["message"]
    assert not Result.objects.exists()


def test_save_is_refused_outside_scope(cast, login, sitting_of):
    sitting = sitting_of("multiplication-tables-check")
    assert save(login(cast.ta), sitting, pupil=cast.amara.pk, raw_score="20").status_code == 403
    # Zebedee is in 4 Ash: not the teacher's to see
    response = save(login(cast.teacher), sitting, pupil=cast.zebedee.pk, raw_score="20")
    assert response.status_code == 404 and "Marchbanks" not in response.content.decode()
    assert save(login(cast.teacher), sitting, pupil="1", raw_score="2").status_code == 404
    assert not Result.objects.exists()


def test_profile_grid_has_a_column_per_goal(cast, login, sitting_of, definition_of):
    sitting = sitting_of("eyfs-profile")
    expected = definition_of("eyfs-profile").scale.grades.get(label="Expected")
    client = login(cast.teacher)
    page = client.get(reverse("results:grid_class", args=[sitting.pk, cast.oak.pk])).content
    assert page.decode().count('data-part="Word reading"') == 2  # one per pupil
    response = save(
        client, sitting, pupil=cast.amara.pk, component="word-reading", grade=expected.pk
    )
    assert response.json()["result"]["grade"] == expected.pk
    response = save(client, sitting, pupil=cast.amara.pk, grade=expected.pk)
    assert response.json()["field"] == "component"


def test_diagnostic_results_only_for_senior_staff_and_every_read_logged(cast, login, sitting_of):
    sitting = sitting_of("dyslexia-screening")
    services.record_result(sitting, cast.amara, by=cast.senco, score=78)
    url = reverse("results:grid_class", args=[sitting.pk, cast.oak.pk])
    assert login(cast.teacher).get(url).status_code == 404
    assert save(login(cast.teacher), sitting, pupil=cast.amara.pk, score="90").status_code == 404
    before = AuditEvent.objects.filter(action="read").count()
    page = login(cast.senco).get(url).content.decode()
    assert "Indication of difficulty" in page
    reads = AuditEvent.objects.filter(action="read").order_by("pk")[before:]
    assert [(e.pupil_id, e.what) for e in reads] == [
        (cast.amara.pk, "Diagnostic result: Dyslexia screening")
    ]
    save(login(cast.senco), sitting, pupil=cast.bartholomew.pk, score="95")
    assert AuditEvent.objects.filter(action="read", pupil=cast.bartholomew).count() == 1


def test_grid_queries_do_not_grow_with_the_class(cast, login, sitting_of):
    sitting = sitting_of("standardised-maths")
    url = reverse("results:grid_class", args=[sitting.pk, cast.oak.pk])
    client = login(cast.teacher)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for pupil in add_pupils_to_oak(cast, 12):
        services.record_result(sitting, pupil, by=cast.teacher, score=100)
    assert count() == small


def test_admin_pages_for_superusers_with_results_read_only(cast, client, sitting_of):
    from tests.cast import make_user

    sitting = sitting_of("ks2-reading")
    result = services.record_result(sitting, cast.amara, by=cast.teacher, score=104)
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    for name, args in [
        ("admin:results_assessmentdefinition_change", [sitting.definition_id]),
        ("admin:results_sitting_change", [sitting.pk]),
        ("admin:results_normtable_changelist", []),
        ("admin:results_result_changelist", []),
        ("admin:results_result_change", [result.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    client.post(reverse("admin:results_result_change", args=[result.pk]), {"score": "80"})
    result.refresh_from_db()
    assert result.score == D(104)
