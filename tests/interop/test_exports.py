"""Exports: scoped, logged, safe to open in a spreadsheet, and importable again unchanged."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from nextsteps.audit.models import AuditEvent
from nextsteps.interop import exports
from nextsteps.schools import services as school_services

from .conftest import checked, snapshot

pytestmark = pytest.mark.django_db


def download(client, kind, fmt, school):
    response = client.get(reverse("interop:export", args=[kind, fmt]), {"school": school.pk})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content


def read_csv(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_pupil_export_lists_current_pupils_with_characteristics_and_is_logged(cast, login):
    client = login(cast.head)
    rows = read_csv(download(client, "pupils", "csv", cast.school))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["UPN", "Legal first name", "Legal middle names"]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    assert set(by_name) == {"Amara", "Bartholomew", "Zebedee"}  # not the hub's pupils
    assert by_name["Bartholomew"]["SEN status"] == "K"
    assert by_name["Amara"]["Disadvantaged"] == "Y" and by_name["Amara"]["Class"] == "3 Oak"
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.school, event.changes) == (cast.head, cast.school, {"rows": 3})


def test_exports_refuse_a_school_the_user_cannot_export(cast, login):
    client = login(cast.head)
    response = client.get(
        reverse("interop:export", args=["pupils", "csv"]), {"school": cast.hub.pk}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
    response = login(cast.teacher).get(reverse("interop:export", args=["pupils", "csv"]))
    assert response.status_code == 403


def test_csv_cells_cannot_run_as_formulas(cast, login):
    school_services.add_guardian(
        cast.zebedee,
        name='=HYPERLINK("http://evil")',
        phone="+44 1234",
        email="",
        relationship="@Uncle",
    )
    rows = read_csv(download(login(cast.head), "guardians", "csv", cast.school))
    cells = [c for r in rows for c in r]
    assert '\'=HYPERLINK("http://evil")' in cells and "'+44 1234" in cells
    assert "'@Uncle" in cells
    assert not any(c.startswith(("=", "+", "@", "-")) for c in cells)
    assert exports.safe_text("-1") == "'-1" and exports.safe_text("Ann-Marie") == "Ann-Marie"


def test_xlsx_cells_starting_with_equals_are_text_not_formulas(cast, login):
    school_services.add_guardian(cast.zebedee, name="=1+1", relationship="Carer")
    content = download(login(cast.head), "guardians", "xlsx", cast.school)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


@pytest.mark.parametrize("kind", ["pupils", "classes", "staff", "guardians", "groups"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_export_then_import_changes_nothing(cast, login, immediate_tasks, kind, fmt):
    group = school_services.create_group(cast.school, "Reading focus", "focus")
    school_services.add_to_group(group, cast.amara)
    school_services.add_guardian(
        cast.bartholomew,
        name="Bea Quillfeather",
        phone="+441234",
        parental_responsibility=False,
        priority=2,
    )
    school_services.set_characteristic(cast.zebedee, "sen", "E")
    content = download(login(cast.head), kind, fmt, cast.school)
    before = snapshot()
    job = checked(cast.head, cast.school, kind, content, name=f"export.{fmt}")
    assert job.row_count > 0
    assert all(e["action"] == "unchanged" for e in job.report), job.report
    assert snapshot() == before
