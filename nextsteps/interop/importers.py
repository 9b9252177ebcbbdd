"""What each kind of import accepts and how one row becomes a change.

Every importer runs the same code twice: once to check (apply=False, nothing written, the
report says what would happen) and once to commit (apply=True, inside one transaction). So what
is committed is exactly what was checked, against the data as it is at commit time.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone

from nextsteps.accounts.models import User
from nextsteps.schools import services as school_services
from nextsteps.schools.models import (
    AcademicYear,
    ClassStaff,
    Group,
    Guardian,
    Pupil,
    Role,
    SchoolClass,
)

from . import values
from .readers import cell_text
from .values import BadValue, norm


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""


class RowError(Exception):
    def __init__(self, key: str | None, message: str):
        self.key = key
        self.message = message
        super().__init__(message)


class Row:
    """One data row seen through the column mapping. Problems are collected, not raised, so a
    row's report lists all of them at once."""

    def __init__(self, importer, line: int, cells: list):
        self.importer = importer
        self.line = line
        self.cells = cells
        self.errors: list[dict] = []

    def raw(self, key):
        index = self.importer.mapping.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def mapped(self, key) -> bool:
        return self.importer.mapping.get(key) is not None

    def text(self, key) -> str:
        return cell_text(self.raw(key))

    def column(self, key) -> str:
        index = self.importer.mapping.get(key)
        if index is None:
            return self.importer.field(key).label
        return self.importer.headers[index] or f"column {index + 1}"

    def error(self, key, message: str):
        self.errors.append({"column": self.column(key) if key else "", "message": message})

    def parse(self, key, parser, required=False):
        try:
            value = parser(self.raw(key))
        except BadValue as exc:
            self.error(key, str(exc))
            return None
        if required and value in (None, ""):
            self.error(key, f"{self.importer.field(key).label} is missing.")
        return value

    def required(self, key) -> str:
        value = self.text(key)
        if not value:
            self.error(key, f"{self.importer.field(key).label} is missing.")
        return value


def _pupil_fields(prefix="", required=False):
    return [
        Field(
            f"{prefix}upn",
            "UPN" if not prefix else "Pupil UPN",
            ("UPN", "Unique pupil number", "Pupil UPN"),
        ),
        Field(
            f"{prefix}first_name",
            "Pupil first name",
            (
                "Pupil forename",
                "Pupil first name",
                "Pupil legal first name",
                "Forename",
                "First name",
                "Legal first name",
                "Legal forename",
            ),
        ),
        Field(
            f"{prefix}last_name",
            "Pupil last name",
            (
                "Pupil surname",
                "Pupil last name",
                "Pupil legal last name",
                "Surname",
                "Last name",
                "Legal last name",
                "Legal surname",
            ),
        ),
        Field(
            f"{prefix}date_of_birth",
            "Pupil date of birth",
            ("Pupil date of birth", "Pupil DOB", "DOB", "Date of birth"),
        ),
    ]


class Importer:
    kind = ""
    fields: list[Field] = []
    identifies_pupils = False

    def __init__(self, job, user, *, apply: bool):
        self.job = job
        self.school = job.school
        self.user = user
        self.apply = apply
        self.headers = job.headers
        self.mapping = {k: v for k, v in (job.mapping or {}).items() if v is not None}
        self.today = timezone.localdate()
        self.seen: dict = {}
        self.current_year = self.school.current_year(self.today)
        self.scope = (
            Pupil.objects.visible_to(user).filter(enrolments__school=self.school).distinct()
        )

    @classmethod
    def field(cls, key) -> Field:
        return next(f for f in cls.fields if f.key == key)

    @classmethod
    def mapping_errors(cls, mapping: dict) -> dict[str, str]:
        """Field key to a message, for required fields left without a column."""
        errors = {}
        for f in cls.fields:
            if f.required and mapping.get(f.key) is None:
                errors[f.key] = f"Choose the column that holds {f.label.lower()}."
        used: dict[int, str] = {}
        for f in cls.fields:
            index = mapping.get(f.key)
            if index is None:
                continue
            if index in used:
                errors[f.key] = f"That column is already chosen for {used[index].lower()}."
            used[index] = f.label
        if cls.identifies_pupils:
            has_upn = mapping.get("pupil_upn") is not None
            names = [
                mapping.get(k)
                for k in ("pupil_first_name", "pupil_last_name", "pupil_date_of_birth")
            ]
            if not has_upn and None in names:
                errors["pupil_upn"] = (
                    "Choose a UPN column, or the pupil's first name, last name and date of "
                    "birth columns, so each row can be matched to a pupil."
                )
        return errors

    def run_row(self, line: int, cells: list) -> dict:
        row = Row(self, line, cells)
        entry = {"line": line, "action": "unchanged", "label": "", "changes": [], "errors": []}
        try:
            self.process(row, entry)
        except RowError as exc:
            row.error(exc.key, exc.message)
        except ValidationError as exc:
            for key, messages in _validation_messages(exc):
                row.error(self.FIELD_COLUMNS.get(key), " ".join(messages))
        if row.errors:
            entry["action"] = "error"
            entry["errors"] = row.errors
            entry["changes"] = []
        return entry

    # model field -> our field key, so model validation errors land on the right column
    FIELD_COLUMNS: dict[str, str] = {}

    def process(self, row: Row, entry: dict) -> None:
        raise NotImplementedError

    # shared look-ups -------------------------------------------------------------------

    def year_containing(self, day: date):
        return AcademicYear.objects.filter(
            school=self.school, start_date__lte=day, end_date__gte=day
        ).first()

    def year_group(self, text: str):
        if not text:
            return None
        groups = list(self.school.year_groups.all())
        key = norm(text)
        for group in groups:
            if norm(group.name) == key:
                return group
        stage = None
        if key in {"r", "rec", "reception"}:
            stage = 0
        elif key in {"n", "nur", "nursery"}:
            stage = -1
        else:
            match = re.fullmatch(r"(?:y|yr|year|ncy|nc)?(-?\d{1,2})", key)
            if match:
                stage = int(match.group(1))
        for group in groups:
            if stage is not None and group.stage == stage:
                return group
        names = ", ".join(g.name for g in groups)
        raise RowError(None, f"'{text}' is not a year group at this school ({names}).")

    def school_class(self, name: str, year):
        found = SchoolClass.objects.filter(
            school=self.school, academic_year=year, name__iexact=name
        ).first()
        if found is None:
            raise RowError(
                None, f"There is no class called '{name}' in {year}. Create it or import classes."
            )
        return found

    def staff_member(self, email: str):
        """A user who already works at this school, by email."""
        users = list(User.objects.filter(email__iexact=email)[:2])
        if len(users) != 1:
            raise RowError(
                None, f"No single account has the email {email}. Import the staff first."
            )
        user = users[0]
        at_school = (
            Role.objects.filter(user=user, school=self.school).exists()
            or ClassStaff.objects.filter(user=user, school_class__school=self.school).exists()
        )
        if not at_school:
            raise RowError(None, f"{email} has no role at this school. Import the staff first.")
        return user

    def find_pupil(self, row: Row):
        """The pupil a row names (by UPN, else names and date of birth), among this school's
        pupils that the importer may see."""
        upn = None
        if row.text("pupil_upn"):
            try:
                upn, _ = school_services.normalise_upn(row.text("pupil_upn"))
            except ValidationError as exc:
                row.error("pupil_upn", _first_message(exc))
                return None
        first, last = row.text("pupil_first_name"), row.text("pupil_last_name")
        born = row.parse("pupil_date_of_birth", values.parse_date)
        if row.errors:
            return None
        if upn:
            pupil = self.scope.filter(upn=upn).first()
            if pupil is None:
                row.error("pupil_upn", f"No pupil at this school has the UPN {upn}.")
            return pupil
        if not (first and last and born):
            row.error(
                "pupil_upn",
                "Give the pupil's UPN, or their first name, last name and date of birth.",
            )
            return None
        match = school_services.match_pupil(
            upn=None, first_name=first, last_name=last, date_of_birth=born, queryset=self.scope
        )
        if match.how == "ambiguous":
            row.error(
                "pupil_first_name",
                "More than one pupil has these names and date of birth; give the UPN.",
            )
        elif match.pupil is None:
            row.error(
                "pupil_first_name",
                f"No pupil at this school is called {first} {last} born {born:%d/%m/%Y}.",
            )
        return match.pupil

    def first_seen(self, key, row: Row, what: str) -> bool:
        """Remember a row's identity; a repeat is an error naming the first line."""
        if key in self.seen:
            row.error(None, f"This row repeats {what} on line {self.seen[key]}.")
            return False
        self.seen[key] = row.line
        return True


def _validation_messages(exc: ValidationError):
    if hasattr(exc, "message_dict"):
        return exc.message_dict.items()
    return [(None, exc.messages)]


def _first_message(exc: ValidationError) -> str:
    return next(iter(m for _, ms in _validation_messages(exc) for m in ms))


def _yes_no(value: bool) -> str:
    return "Y" if value else "N"


CHARACTERISTIC_FIELDS = [
    Field(
        "sen",
        "SEN status",
        ("SEN", "SEN status", "SEN provision", "SEN stage"),
        help="N none, K SEN support, E EHC plan",
    ),
    Field("fsm", "FSM", ("FSM", "Free school meals", "FSM eligible"), help="Y or N"),
    Field("pupil_premium", "Pupil premium", ("Pupil premium", "PP"), help="Y or N"),
    Field("disadvantaged", "Disadvantaged", ("Disadvantaged", "Disadvantage"), help="Y or N"),
    Field("eal", "EAL", ("EAL", "English as an additional language"), help="Y or N"),
    Field(
        "looked_after",
        "Looked after",
        ("Looked after", "LAC", "CLA", "Child looked after"),
        help="Y or N",
    ),
    Field("child_in_need", "Child in need", ("Child in need", "CIN"), help="Y or N"),
    Field("service_child", "Service child", ("Service child", "Forces child"), help="Y or N"),
]


class PupilImporter(Importer):
    kind = "pupils"
    fields = [
        Field("upn", "UPN", ("Unique pupil number", "Pupil UPN")),
        Field(
            "legal_first_name",
            "Legal first name",
            ("Forename", "First name", "Legal forename", "Firstname", "Given name"),
            required=True,
        ),
        Field(
            "legal_middle_names",
            "Legal middle names",
            ("Middle name", "Middle names", "Legal middle name"),
        ),
        Field(
            "legal_last_name",
            "Legal last name",
            ("Surname", "Last name", "Legal surname", "Lastname", "Family name"),
            required=True,
        ),
        Field(
            "preferred_first_name",
            "Preferred first name",
            ("Preferred forename", "Known as", "Chosen name"),
        ),
        Field("preferred_last_name", "Preferred last name", ("Preferred surname",)),
        Field(
            "date_of_birth",
            "Date of birth",
            ("DOB", "Birth date", "Birthdate"),
            required=True,
            help="dd/mm/yyyy, yyyy-mm-dd or an Excel date",
        ),
        Field("sex", "Sex", ("Gender",), required=True, help="F, M or U"),
        Field(
            "year_group",
            "Year group",
            ("Year", "NC year", "National curriculum year", "Curriculum year"),
            required=True,
            help="The school's name for it, or its number (R for Reception)",
        ),
        Field(
            "school_class",
            "Class",
            ("Reg group", "Registration group", "Form", "Tutor group", "Class name"),
        ),
        Field(
            "start_date",
            "Start date",
            ("Entry date", "Date of admission", "Admission date", "Date of entry"),
        ),
        *CHARACTERISTIC_FIELDS,
    ]
    FIELD_COLUMNS = {f: f for f in school_services.PUPIL_FIELDS}
    NAME_FIELDS = [
        "legal_first_name",
        "legal_middle_names",
        "legal_last_name",
        "preferred_first_name",
        "preferred_last_name",
    ]

    def process(self, row: Row, entry: dict) -> None:
        record = {k: row.text(k) for k in self.NAME_FIELDS}
        row.required("legal_first_name")
        row.required("legal_last_name")
        entry["label"] = f"{record['legal_first_name']} {record['legal_last_name']}".strip()
        upn = None
        try:
            upn, _ = school_services.normalise_upn(row.text("upn"))
        except ValidationError as exc:
            row.error("upn", _first_message(exc))
        born = row.parse("date_of_birth", values.parse_date, required=True)
        if born and born > self.today:
            row.error("date_of_birth", f"The date of birth {born:%d/%m/%Y} is in the future.")
        sex = row.parse("sex", values.parse_sex, required=True)
        start = row.parse("start_date", values.parse_date)
        group = None
        try:
            group = self.year_group(row.text("year_group"))
        except RowError as exc:
            row.error("year_group", exc.message)
        if group is None and not any(e["column"] == row.column("year_group") for e in row.errors):
            row.error("year_group", "Year group is missing.")
        traits = {}
        for f in CHARACTERISTIC_FIELDS:
            parser = values.parse_sen if f.key == "sen" else values.parse_flag
            value = row.parse(f.key, parser)
            if value is not None:
                traits[f.key] = value if f.key == "sen" else _yes_no(value)
        if row.errors:
            return
        record.update(upn=upn, date_of_birth=born, sex=sex)
        identity = upn or (norm(record["legal_first_name"]), norm(record["legal_last_name"]), born)
        if not self.first_seen(identity, row, "the pupil"):
            return

        pupil = self.match(row, record)
        if row.errors:
            return
        if pupil is not None and not self.first_seen(("pupil", pupil.pk), row, "the pupil"):
            return
        changes = self.field_changes(pupil, record)
        placement = self.placement(row, pupil, group, start)
        trait_changes = self.trait_changes(pupil, traits)
        if pupil is None:
            entry["action"] = "create"
            Pupil(**{k: v for k, v in record.items() if v not in ("", None)}).full_clean(
                exclude=["upn"], validate_unique=False, validate_constraints=False
            )
        elif changes or placement or trait_changes:
            entry["action"] = "update"
        entry["changes"] = (
            [
                f"{self.field(k).label}: {_show(getattr(pupil, k))} → {_show(v)}"
                for k, v in changes.items()
            ]
            if pupil
            else []
        )
        if placement:
            entry["changes"].append(placement["describe"])
        entry["changes"] += [
            f"{self.field(k).label}: {old} → {new}" for k, (old, new) in trait_changes.items()
        ]
        if not self.apply:
            return
        if pupil is None:
            pupil = school_services.create_pupil(
                **{k: v for k, v in record.items() if v not in ("", None)}
            )
        elif changes:
            pupil = school_services.update_pupil(pupil, changes, None)
        if placement:
            school_services.enrol_pupil(
                pupil,
                self.school,
                group,
                school_class=placement["class"],
                academic_year=placement["year"],
                start_date=placement["start"],
            )
        for kind, (_, new) in trait_changes.items():
            school_services.set_characteristic(
                pupil, kind, new, start_date=self.today, by=self.user
            )

    def match(self, row: Row, record: dict):
        upn = record["upn"]
        found = school_services.match_pupil(
            upn=upn,
            first_name=record["legal_first_name"],
            last_name=record["legal_last_name"],
            date_of_birth=record["date_of_birth"],
            queryset=self.scope,
        )
        if found.how == "ambiguous":
            row.error(
                "legal_first_name",
                "More than one pupil has these names and date of birth; give the UPN.",
            )
            return None
        pupil = found.pupil
        if pupil is not None and upn and pupil.upn and pupil.upn != upn:
            row.error(
                "upn",
                f"This pupil (matched by name and date of birth) already has the "
                f"UPN {pupil.upn}, not {upn}. Correct the file or the pupil's record.",
            )
            return None
        if pupil is None and upn and Pupil.objects.filter(upn=upn).exists():
            row.error(
                "upn",
                f"The UPN {upn} belongs to a pupil who is not on roll at this "
                "school. Check the UPN; a pupil joining from elsewhere needs a transfer.",
            )
            return None
        return pupil

    def field_changes(self, pupil, record: dict) -> dict:
        if pupil is None:
            return {}
        # a blank cell leaves what is stored alone; so does an unmapped column
        return {k: v for k, v in record.items() if v not in ("", None) and getattr(pupil, k) != v}

    def placement(self, row: Row, pupil, group, start):
        """The enrolment a row asks for, or None when the pupil is already placed so."""
        if self.current_year is None:
            raise RowError(
                None,
                "The school has no academic year yet; add one in school "
                "settings before importing pupils.",
            )
        day = start or self.today
        # a pupil admitted years ago is on roll here from the start of this year
        day = max(day, self.current_year.start_date)
        on_roll = (
            pupil is not None
            and pupil.enrolments.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=self.today),
                school=self.school,
                start_date__lte=self.today,
            ).exists()
        )
        if on_roll and day < self.today:
            day = self.today
        year = self.year_containing(day)
        if year is None:
            raise RowError(
                "start_date",
                f"No academic year at this school contains {day:%d/%m/%Y}. Add that year first.",
            )
        school_class = None
        if row.text("school_class"):
            try:
                school_class = self.school_class(row.text("school_class"), year)
            except RowError as exc:
                raise RowError("school_class", exc.message) from None
        if pupil is not None:
            current = (
                pupil.enrolments.filter(school=self.school, start_date__lte=day)
                .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
                .order_by("-start_date")
                .first()
            )
            if (
                current
                and current.year_group_id == group.pk
                and (
                    current.school_class_id == getattr(school_class, "pk", None)
                    or (school_class is None and not row.mapped("school_class"))
                )
            ):
                return None
            if current and school_class is None and not row.mapped("school_class"):
                school_class = current.school_class if current.academic_year == year else None
        where = f"{group}, {school_class}" if school_class else f"{group}, no class"
        return {
            "year": year,
            "class": school_class,
            "start": day,
            "describe": f"On roll: {where} from {day:%d/%m/%Y}",
        }

    def trait_changes(self, pupil, traits: dict) -> dict:
        changes = {}
        for kind, new in traits.items():
            old = "N"
            if pupil is not None:
                record = school_services.current_characteristic(pupil, kind, self.today)
                old = record.value if record else "N"
            if old != new:
                changes[kind] = (old, new)
        return changes


def _show(value) -> str:
    if value in (None, ""):
        return "(blank)"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


ROLE_WORDS = {
    norm(label): kind
    for kind, label in Role.Kind.choices
    if kind not in (Role.Kind.TRUST_STAFF, Role.Kind.PROVIDER_STAFF)
}
ROLE_WORDS.update({norm(kind): kind for kind in ROLE_WORDS.values()})
ROLE_WORDS.update(
    {
        "head": Role.Kind.HEAD,
        "headteacher": Role.Kind.HEAD,
        "deputy": Role.Kind.DEPUTY,
        "deputyheadteacher": Role.Kind.DEPUTY,
        "senco": Role.Kind.INCLUSION_MANAGER,
        "inclusionmanager": Role.Kind.INCLUSION_MANAGER,
        "teacher": Role.Kind.CLASS_TEACHER,
        "ta": Role.Kind.TEACHING_ASSISTANT,
        "assistant": Role.Kind.TEACHING_ASSISTANT,
        "governor": Role.Kind.GOVERNOR,
    }
)


class StaffImporter(Importer):
    kind = "staff"
    fields = [
        Field("email", "Email", ("Email address", "E-mail", "Work email"), required=True),
        Field("first_name", "First name", ("Forename", "Given name"), required=True),
        Field("last_name", "Last name", ("Surname", "Family name"), required=True),
        Field(
            "roles",
            "Roles",
            ("Role", "Job title", "Roles at school"),
            help="For example: Class teacher; Assessment leader",
        ),
        Field(
            "classes",
            "Classes",
            ("Class", "Classes taught", "Class taught"),
            help="Class names this year, separated by semicolons",
        ),
    ]

    def process(self, row: Row, entry: dict) -> None:
        email = row.required("email").lower()
        first, last = row.text("first_name"), row.text("last_name")
        entry["label"] = f"{first} {last} <{email}>".strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row.error("email", f"'{email}' is not an email address.")
        kinds = []
        for word in values.split_list(row.raw("roles")):
            kind = ROLE_WORDS.get(norm(word))
            if kind is None:
                row.error("roles", f"'{word}' is not a role at a school.")
            else:
                kinds.append(kind)
        classes = []
        for name in values.split_list(row.raw("classes")):
            try:
                classes.append(self.school_class(name, self.current_year))
            except RowError as exc:
                row.error("classes", exc.message)
        if row.errors or not self.first_seen(email, row, "this email"):
            return
        users = list(User.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            raise RowError(
                "email",
                f"Two accounts share the email {email}; ask an "
                "administrator to sort them out first.",
            )
        user = users[0] if users else None
        if user is None:
            # an existing account keeps its name; a new one needs it
            for key, value in (("first_name", first), ("last_name", last)):
                if not value:
                    row.error(key, f"{self.field(key).label} is missing for a new account.")
            if not kinds and not classes:
                row.error("roles", "Give at least one role or class for a new member of staff.")
            if row.errors:
                return
        held = set()
        taught = set()
        if user is not None:
            held = set(
                Role.objects.filter(user=user, school=self.school).values_list("kind", flat=True)
            )
            taught = set(
                ClassStaff.objects.filter(user=user).values_list("school_class_id", flat=True)
            )
        new_kinds = [k for k in dict.fromkeys(kinds) if k not in held]
        new_classes = [c for c in classes if c.pk not in taught]
        link_kind = (
            ClassStaff.Kind.TA
            if Role.Kind.TEACHING_ASSISTANT in kinds + list(held)
            and Role.Kind.CLASS_TEACHER not in kinds + list(held)
            else ClassStaff.Kind.TEACHER
        )
        entry["action"] = (
            "create" if user is None else ("update" if new_kinds or new_classes else "unchanged")
        )
        entry["changes"] = [f"Add role: {Role.Kind(k).label}" for k in new_kinds] + [
            f"Add to class: {c}" for c in new_classes
        ]
        if not self.apply:
            return
        if user is None:
            user = create_staff_user(email, first, last)
        for kind in new_kinds:
            school_services.grant_role(user, kind, school=self.school)
        for school_class in new_classes:
            school_services.assign_class_staff(school_class, user, link_kind)


def create_staff_user(email: str, first_name: str, last_name: str) -> User:
    """An account for a new member of staff. It has no password: they choose one through
    "forgotten password", so no password ever travels in an import file."""
    username = email[:150]
    suffix = 1
    while User.objects.filter(username__iexact=username).exists():
        suffix += 1
        username = f"{email[:140]}-{suffix}"
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


class ClassImporter(Importer):
    kind = "classes"
    fields = [
        Field(
            "name",
            "Class",
            ("Class name", "Reg group", "Registration group", "Form"),
            required=True,
        ),
        Field(
            "year_group",
            "Year group",
            ("Year", "NC year"),
            help="Leave blank for a mixed-age class",
        ),
        Field(
            "academic_year",
            "Academic year",
            ("School year", "Year starting"),
            help="For example 2026/27; blank means this year",
        ),
        Field(
            "teachers",
            "Teachers",
            ("Teacher", "Class teacher", "Teacher emails"),
            help="Email addresses, separated by semicolons",
        ),
        Field(
            "assistants",
            "Teaching assistants",
            ("TA", "TAs", "Teaching assistant"),
            help="Email addresses, separated by semicolons",
        ),
    ]
    FIELD_COLUMNS = {"name": "name", "year_group": "year_group"}

    def academic_year(self, text: str):
        """An existing academic year by name, or (start year, None) for one to create."""
        if not text:
            return self.current_year, None
        for year in self.school.academic_years.all():
            if norm(year.name) == norm(text):
                return year, None
        match = re.fullmatch(r"(\d{4})(?:\s*[/\-]\s*(\d{2}|\d{4}))?", text.strip())
        if not match:
            raise RowError(
                "academic_year", f"'{text}' is not an academic year; write it like 2026/27."
            )
        start = int(match.group(1))
        return None, start

    def process(self, row: Row, entry: dict) -> None:
        name = row.required("name")
        entry["label"] = name
        group = None
        try:
            group = self.year_group(row.text("year_group"))
        except RowError as exc:
            row.error("year_group", exc.message)
        year, new_year = None, None
        try:
            year, new_year = self.academic_year(row.text("academic_year"))
        except RowError as exc:
            row.error(exc.key, exc.message)
        staff = {}
        for key, kind in (
            ("teachers", ClassStaff.Kind.TEACHER),
            ("assistants", ClassStaff.Kind.TA),
        ):
            for email in values.split_list(row.raw(key)):
                try:
                    staff[self.staff_member(email)] = kind
                except RowError as exc:
                    row.error(key, exc.message)
        if row.errors:
            return
        if year is None and new_year is None:
            raise RowError(None, "The school has no academic year yet; add one first.")
        year_key = year.pk if year else new_year
        if not self.first_seen((year_key, norm(name)), row, "this class"):
            return
        existing = None
        if year is not None:
            existing = SchoolClass.objects.filter(
                school=self.school, academic_year=year, name__iexact=name
            ).first()
        changes = []
        if new_year is not None:
            changes.append(f"Create academic year {new_year}/{(new_year + 1) % 100:02d}")
        taught = (
            dict(ClassStaff.objects.filter(school_class=existing).values_list("user_id", "kind"))
            if existing
            else {}
        )
        new_staff = {u: k for u, k in staff.items() if taught.get(u.pk) != k}
        regroup = existing is not None and group is not None and existing.year_group_id != group.pk
        if regroup:
            changes.append(f"Year group: {existing.year_group or '(mixed)'} → {group}")
        changes += [f"{ClassStaff.Kind(k).label}: {u.email}" for u, k in new_staff.items()]
        entry["action"] = (
            "create" if existing is None else "update" if regroup or new_staff else "unchanged"
        )
        entry["changes"] = changes
        if not self.apply:
            return
        if year is None:
            year = school_services.create_academic_year(self.school, new_year)
        if existing is None:
            existing = school_services.create_class(self.school, year, name, group)
        elif regroup:
            existing = school_services.update_class(existing, year_group=group)
        for user, kind in new_staff.items():
            school_services.assign_class_staff(existing, user, kind)


class GuardianImporter(Importer):
    kind = "guardians"
    identifies_pupils = True
    fields = [
        *_pupil_fields("pupil_"),
        Field(
            "name",
            "Contact name",
            ("Guardian name", "Parent name", "Carer name", "Contact", "Name"),
            required=True,
        ),
        Field("relationship", "Relationship", ("Relation", "Relationship to pupil")),
        Field("email", "Contact email", ("Email", "Email address", "Parent email")),
        Field("phone", "Contact phone", ("Phone", "Telephone", "Mobile", "Phone number")),
        Field(
            "parental_responsibility", "Parental responsibility", ("PR", "Has PR"), help="Y or N"
        ),
        Field("priority", "Priority", ("Contact priority", "Order"), help="1 is called first"),
    ]
    FIELD_COLUMNS = {k: k for k in ("name", "relationship", "email", "phone", "priority")}

    def process(self, row: Row, entry: dict) -> None:
        name = row.required("name")
        pupil = self.find_pupil(row)
        details = {}
        for key in ("relationship", "email", "phone"):
            if row.text(key):
                details[key] = row.text(key)
        if details.get("email"):
            try:
                validate_email(details["email"])
            except ValidationError:
                row.error("email", f"'{details['email']}' is not an email address.")
        pr = row.parse("parental_responsibility", values.parse_flag)
        if pr is not None:
            details["parental_responsibility"] = pr
        if row.text("priority"):
            if row.text("priority").isdigit() and 0 < int(row.text("priority")) < 100:
                details["priority"] = int(row.text("priority"))
            else:
                row.error("priority", f"'{row.text('priority')}' is not a priority: use 1, 2, 3...")
        if row.errors or pupil is None:
            return
        entry["label"] = f"{name} for {pupil.name}"
        if not self.first_seen((pupil.pk, norm(name)), row, "this contact"):
            return
        existing = Guardian.objects.filter(pupil=pupil, name__iexact=name).first()
        if existing is None:
            entry["action"] = "create"
            Guardian(pupil=pupil, name=name, **details).full_clean()
            if self.apply:
                school_services.add_guardian(pupil, name=name, **details)
            return
        changes = {k: v for k, v in details.items() if getattr(existing, k) != v}
        if changes:
            entry["action"] = "update"
            entry["changes"] = [
                f"{self.field(k).label}: {_show(getattr(existing, k))} → {_show(v)}"
                for k, v in changes.items()
            ]
            if self.apply:
                school_services.update_guardian(existing, **changes)


GROUP_KINDS = {norm(label): kind for kind, label in Group.Kind.choices}
GROUP_KINDS.update({norm(kind): kind for kind in Group.Kind.values})
GROUP_KINDS.update(
    {
        "focus": Group.Kind.FOCUS,
        "intervention": Group.Kind.INTERVENTION,
        "sen": Group.Kind.SEN_REGISTER,
        "senregister": Group.Kind.SEN_REGISTER,
    }
)


class GroupImporter(Importer):
    kind = "groups"
    identifies_pupils = True
    fields = [
        Field("group", "Group", ("Group name",), required=True),
        Field(
            "group_kind",
            "Group kind",
            ("Kind", "Group type", "Type"),
            help="SEN register, Focus group, Intervention group or Custom",
        ),
        *_pupil_fields("pupil_"),
    ]

    def process(self, row: Row, entry: dict) -> None:
        name = row.required("group")
        kind = Group.Kind.CUSTOM
        if row.text("group_kind"):
            kind = GROUP_KINDS.get(norm(row.text("group_kind")))
            if kind is None:
                row.error(
                    "group_kind",
                    f"'{row.text('group_kind')}' is not a kind of group: use "
                    "SEN register, Focus group, Intervention group or Custom.",
                )
        pupil = self.find_pupil(row)
        if row.errors or pupil is None:
            return
        entry["label"] = f"{pupil.name} in {name}"
        if not self.first_seen((norm(name), pupil.pk), row, "this membership"):
            return
        group = Group.objects.filter(school=self.school, name__iexact=name).first()
        if group is not None and group.memberships.filter(pupil=pupil).exists():
            return
        entry["action"] = "create"
        entry["changes"] = [f"Add to {name}"]
        if group is None and norm(name) not in self.seen:
            self.seen[norm(name)] = row.line
            entry["changes"].insert(0, f"Create group {name} ({Group.Kind(kind).label})")
        if self.apply:
            if group is None:
                group = school_services.create_group(self.school, name, kind)
            school_services.add_to_group(group, pupil)


IMPORTERS = {
    cls.kind: cls
    for cls in (PupilImporter, ClassImporter, StaffImporter, GuardianImporter, GroupImporter)
}


def auto_map(kind: str, headers: list[str]) -> dict:
    """Field key to column number for every field whose label or common name is a header."""
    fields = IMPORTERS[kind].fields
    normalised = [norm(h) for h in headers]
    mapping: dict = {f.key: None for f in fields}
    taken: set[int] = set()
    # exact labels first, so "Pupil first name" wins over the looser "First name"
    for pass_aliases in (False, True):
        for f in fields:
            if mapping[f.key] is not None:
                continue
            names = f.aliases if pass_aliases else (f.label,)
            for name in names:
                key = norm(name)
                hits = [i for i, h in enumerate(normalised) if h == key and i not in taken]
                if hits:
                    mapping[f.key] = hits[0]
                    taken.add(hits[0])
                    break
    return mapping
