"""Lists out of NextSteps as CSV or XLSX, in the same columns the imports read, so that a file
exported and imported again changes nothing. Every export is scoped by `visible_to` and the
"export" permission, and logged."""

import csv
import io
from datetime import date

from django.db.models import Prefetch, Q
from django.utils import timezone

from nextsteps.audit.services import record_export
from nextsteps.schools import services as school_services
from nextsteps.schools.models import (
    ClassStaff,
    Enrolment,
    GroupMembership,
    Guardian,
    Pupil,
    Role,
    SchoolClass,
)

from .importers import CHARACTERISTIC_FIELDS
from .readers import FORMULA_STARTS

KINDS = {
    "pupils": "Pupils",
    "classes": "Classes",
    "staff": "Staff and roles",
    "guardians": "Parents and carers",
    "groups": "Group memberships",
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _current_enrolment_filter(today):
    return Q(end_date__isnull=True) | Q(end_date__gte=today)


def _pupil_rows(user, school, today):
    headers = [
        "UPN",
        "Legal first name",
        "Legal middle names",
        "Legal last name",
        "Preferred first name",
        "Preferred last name",
        "Date of birth",
        "Sex",
        "Year group",
        "Class",
        "Start date",
    ] + [f.label for f in CHARACTERISTIC_FIELDS]
    enrolments = Enrolment.objects.filter(
        _current_enrolment_filter(today), school=school, start_date__lte=today
    ).select_related("year_group", "school_class")
    pupils = (
        Pupil.objects.visible_to(user)
        .current_at(school, today)
        .prefetch_related(
            Prefetch("enrolments", queryset=enrolments, to_attr="here"), "characteristics"
        )
    )
    rows = []
    for pupil in pupils:
        enrolment = pupil.here[-1] if pupil.here else None
        traits = []
        for f in CHARACTERISTIC_FIELDS:
            record = school_services.current_characteristic(pupil, f.key, today)
            if f.key == "sen":
                traits.append(record.value if record else "")
            else:
                traits.append(record.value if record else "N")
        rows.append(
            [
                pupil.upn or "",
                pupil.legal_first_name,
                pupil.legal_middle_names,
                pupil.legal_last_name,
                pupil.preferred_first_name,
                pupil.preferred_last_name,
                pupil.date_of_birth,
                pupil.sex,
                enrolment.year_group.name if enrolment else "",
                enrolment.school_class.name if enrolment and enrolment.school_class else "",
                enrolment.start_date if enrolment else "",
                *traits,
            ]
        )
    return headers, rows


def _class_rows(user, school, today):
    headers = ["Class", "Year group", "Academic year", "Teachers", "Teaching assistants"]
    current = school.current_year(today)
    classes = SchoolClass.objects.visible_to(user).filter(school=school)
    if current is not None:
        classes = classes.filter(academic_year__start_date__gte=current.start_date)
    classes = classes.select_related("year_group", "academic_year").prefetch_related(
        Prefetch("staff_links", queryset=ClassStaff.objects.select_related("user"))
    )
    rows = []
    for school_class in classes.order_by("academic_year__start_date", "year_group__stage", "name"):
        links = list(school_class.staff_links.all())
        rows.append(
            [
                school_class.name,
                school_class.year_group.name if school_class.year_group else "",
                school_class.academic_year.name,
                "; ".join(
                    link.user.email for link in links if link.kind == ClassStaff.Kind.TEACHER
                ),
                "; ".join(link.user.email for link in links if link.kind == ClassStaff.Kind.TA),
            ]
        )
    return headers, rows


def _staff_rows(user, school, today):
    headers = ["Email", "First name", "Last name", "Roles", "Classes"]
    current = school.current_year(today)
    by_user: dict = {}
    for role in (
        Role.objects.filter(school=school)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "kind")
    ):
        by_user.setdefault(role.user, [[], []])[0].append(role.get_kind_display())
    links = ClassStaff.objects.filter(school_class__school=school).select_related(
        "user", "school_class"
    )
    if current is not None:
        links = links.filter(school_class__academic_year=current)
    for link in links.order_by("school_class__name"):
        by_user.setdefault(link.user, [[], []])[1].append(link.school_class.name)
    rows = [
        [u.email, u.first_name, u.last_name, "; ".join(roles), "; ".join(classes)]
        for u, (roles, classes) in by_user.items()
    ]
    return headers, rows


PUPIL_ID_HEADERS = ["Pupil UPN", "Pupil first name", "Pupil last name", "Pupil date of birth"]


def _pupil_id(pupil):
    return [pupil.upn or "", pupil.legal_first_name, pupil.legal_last_name, pupil.date_of_birth]


def _guardian_rows(user, school, today):
    headers = PUPIL_ID_HEADERS + [
        "Contact name",
        "Relationship",
        "Contact email",
        "Contact phone",
        "Parental responsibility",
        "Priority",
    ]
    pupils = Pupil.objects.visible_to(user).current_at(school, today)
    guardians = (
        Guardian.objects.filter(pupil__in=pupils)
        .select_related("pupil")
        .order_by(
            "pupil__legal_last_name", "pupil__legal_first_name", "pupil_id", "priority", "name"
        )
    )
    rows = [
        _pupil_id(g.pupil)
        + [
            g.name,
            g.relationship,
            g.email,
            g.phone,
            "Y" if g.parental_responsibility else "N",
            g.priority,
        ]
        for g in guardians
    ]
    return headers, rows


def _group_rows(user, school, today):
    headers = ["Group", "Group kind"] + PUPIL_ID_HEADERS
    pupils = Pupil.objects.visible_to(user)
    memberships = (
        GroupMembership.objects.filter(group__school=school, pupil__in=pupils)
        .select_related("group", "pupil")
        .order_by("group__name", "pupil__legal_last_name", "pupil__legal_first_name")
    )
    rows = [[m.group.name, m.group.get_kind_display()] + _pupil_id(m.pupil) for m in memberships]
    return headers, rows


BUILDERS = {
    "pupils": _pupil_rows,
    "classes": _class_rows,
    "staff": _staff_rows,
    "guardians": _guardian_rows,
    "groups": _group_rows,
}


def export_rows(user, school, kind: str):
    """(headers, rows) of one list for one school, as this user may see it. The caller checks
    the "export" permission; this logs the export."""
    today = timezone.localdate()
    headers, rows = BUILDERS[kind](user, school, today)
    record_export(user, f"{KINDS[kind]} export", school=school, count=len(rows))
    return headers, rows


def safe_text(value) -> str:
    """A cell for CSV: dates as yyyy-mm-dd, and a quote before anything a spreadsheet would
    run as a formula (=, +, -, @), so opening the file cannot execute what a pupil's contact
    typed into a form."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(headers, rows) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([safe_text(h) for h in headers])
    for row in rows:
        writer.writerow([safe_text(v) for v in row])
    # the byte-order mark makes Excel read UTF-8 names (Zoë, Łukasz) correctly
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(headers, rows, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cell(value):
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text, never a formula, whatever it starts with
        elif isinstance(value, date):
            c.number_format = "DD/MM/YYYY"
        return c

    sheet.append([cell(h) for h in headers])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
