"""Importing test results from the files test publishers export, into one sitting.

A file has a row per pupil: the pupil's name (one column, or first name and last name), date
of birth, UPN if the publisher had it, raw score, standardised score, age at test and perhaps
the test date. Each row is matched to a pupil by UPN, else by name plus date of birth (legal
or preferred names, ignoring case, accents, spaces and punctuation), among the pupils of the
sitting's school that the importing person may see. Rows that match nobody or several pupils
wait for the person to choose the pupil or skip the row; nothing is written until they
confirm, and then everything is written in one transaction.

The service functions, for pages, the API and the benchmark alike:
- `check(sitting, rows, user, choices=...)` returns a Reconciliation (one entry per row:
  create, update, unchanged, choose, skip or error, with reasons and warnings). It writes
  nothing: it is the dry run.
- `commit(sitting, rows, user, choices=..., leave_out_errors=...)` checks again and writes
  every row that is ready, all or nothing.
- `rows_from_table` / `rows_from_records` turn an uploaded table or API records into rows.

The work is set-based, so that a file of 100,000 rows costs a few hundred queries, none of
them per row: candidate pupils and existing results are loaded once into dictionaries, scores
are checked by SittingRules in memory, and results and their audit entries are written a
batch at a time (COPY on PostgreSQL, one prepared INSERT run many times on SQLite).

The uploaded-file jobs (ResultImport) run `check` and `commit` in the background with a
progress bar, as interop's imports do; see the second half of this module.
"""

import difflib
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from nextsteps.audit.context import acting_as
from nextsteps.audit.models import AuditEvent
from nextsteps.audit.signals import SKIPPED_FIELDS
from nextsteps.interop.importers import Field
from nextsteps.interop.readers import FileProblem, cell_text, read_table
from nextsteps.interop.values import BadValue, norm, parse_date
from nextsteps.lib import jobs
from nextsteps.lib.jobs import STALE_AFTER_MINUTES  # noqa: F401 (the limit these jobs use)
from nextsteps.lib.upn import UPNError, parse_upn
from nextsteps.schools.models import Enrolment, Pupil

from . import access
from .import_models import ResultImport
from .models import Measure, Result
from .scoring import ScoreError, SittingRules, age_in_months, format_age

log = logging.getLogger(__name__)

BATCH = 1000  # rows per bulk write, and rows between progress reports
SUGGESTIONS = 8  # pupils offered for a row that matched nobody
POOL_LIMIT = 300  # "pupils with no row yet" offered beside the suggestions

# Statuses of a row, in the order the report lists them.
CREATE, UPDATE, UNCHANGED, CHOOSE, SKIP, ERROR = (
    "create",
    "update",
    "unchanged",
    "choose",
    "skip",
    "error",
)
STATUSES = (CREATE, UPDATE, UNCHANGED, CHOOSE, SKIP, ERROR)
WRITTEN = {CREATE, UPDATE, UNCHANGED}

# The columns a file can have ------------------------------------------------------------------

FIELDS = [
    Field("upn", "UPN", ("Unique pupil number", "Pupil UPN", "UPN number")),
    Field(
        "name",
        "Pupil name (one column)",
        (
            "Name",
            "Pupil name",
            "Full name",
            "Pupil",
            "Student name",
            "Student",
            "Child name",
            "Candidate name",
            "Pupil full name",
        ),
        help="First name then last name, or last name, comma, first name",
    ),
    Field(
        "first_name",
        "First name",
        (
            "Forename",
            "Forenames",
            "Given name",
            "Pupil forename",
            "Pupil first name",
            "Legal forename",
            "Preferred forename",
            "Firstname",
        ),
    ),
    Field(
        "last_name",
        "Last name",
        (
            "Surname",
            "Family name",
            "Pupil surname",
            "Pupil last name",
            "Legal surname",
            "Preferred surname",
            "Lastname",
        ),
    ),
    Field(
        "date_of_birth",
        "Date of birth",
        ("DOB", "Birth date", "Birthdate", "Pupil DOB", "Pupil date of birth"),
        help="dd/mm/yyyy, yyyy-mm-dd or an Excel date",
    ),
    Field(
        "raw_score",
        "Raw score",
        ("Raw", "Raw mark", "Mark", "Total mark", "Score", "Total score", "Total", "Marks"),
    ),
    Field(
        "score",
        "Standardised score",
        (
            "Standard age score",
            "SAS",
            "Standardised",
            "Std score",
            "Standardised score (SAS)",
            "Age standardised score",
            "Scaled score",
            "Percentage",
            "Percent",
        ),
        help="Or the scaled score or percentage, as the test reports it",
    ),
    Field(
        "age_at_test",
        "Age at test",
        (
            "Age",
            "Age (y:m)",
            "Age (years:months)",
            "Age at test (months)",
            "Age in months",
            "Chronological age",
            "Age at testing",
        ),
        help="Years and months (8:05) or months (101); compared with the age NextSteps works out",
    ),
    Field(
        "test_date",
        "Test date",
        ("Date of test", "Date tested", "Date taken", "Date sat", "Assessment date", "Date"),
    ),
]
FIELD_KEYS = [f.key for f in FIELDS]
LABELS = {f.key: f.label for f in FIELDS}


def fields_for(sitting) -> list[Field]:
    """The fields, with the score column named the way this sitting's test reports it."""
    label = {
        "standardised": "Standardised score",
        "scaled": "Scaled score",
        "percentage": "Percentage",
        "raw": "Score",
    }.get(sitting.definition.measure)
    if label is None or label == LABELS["score"]:
        return FIELDS
    return [
        Field(f.key, label, f.aliases, f.required, f.help) if f.key == "score" else f
        for f in FIELDS
    ]


def auto_map(headers: list[str]) -> dict:
    """Field key to column number for each field whose label or a common name is a heading;
    then headings that begin with one ("Raw score (out of 40)"). One column per field."""
    normalised = [norm(h) for h in headers]
    mapping: dict = dict.fromkeys(FIELD_KEYS)
    taken: set[int] = set()

    def take(f, test) -> None:
        for name in (f.label, *f.aliases):
            key = norm(name)
            hits = [i for i, h in enumerate(normalised) if i not in taken and test(h, key)]
            if hits:
                mapping[f.key] = hits[0]
                taken.add(hits[0])
                return

    for test in (
        lambda h, key: h == key,
        lambda h, key: len(key) >= 5 and h.startswith(key),
    ):
        for f in FIELDS:
            if mapping[f.key] is None:
                take(f, test)
    if mapping["first_name"] is not None and mapping["last_name"] is not None:
        mapping["name"] = None  # separate name columns are the clearer of the two
    return mapping


def mapping_errors(mapping: dict) -> dict[str, str]:
    """Field key to a message for a mapping that cannot work ("" for the form as a whole)."""
    errors: dict[str, str] = {}
    used: dict[int, str] = {}
    for f in FIELDS:
        index = mapping.get(f.key)
        if index is None:
            continue
        if index in used:
            errors[f.key] = f"That column is already chosen for {used[index].lower()}."
        used[index] = f.label

    def has(key):
        return mapping.get(key) is not None

    if has("name") and (has("first_name") or has("last_name")):
        errors["name"] = (
            "Choose either one column with the whole name, or the first name and last name "
            "columns, not both."
        )
    elif has("first_name") != has("last_name"):
        missing = "last_name" if has("first_name") else "first_name"
        errors[missing] = f"Choose the {LABELS[missing].lower()} column too."
    named = has("name") or (has("first_name") and has("last_name"))
    if not has("upn") and not named:
        errors["upn"] = (
            "Choose the UPN column, or the name and date of birth columns, so that each row can "
            "be matched to a pupil."
        )
    elif not has("upn") and not has("date_of_birth"):
        errors["date_of_birth"] = (
            "Choose the date of birth column: without UPNs, rows are matched by name and date "
            "of birth."
        )
    if not has("raw_score") and not has("score"):
        errors["raw_score"] = (
            "Choose the column with the raw score, the standardised score or both."
        )
    return errors


# Rows ---------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One data row: its line in the file (as a person sees it) and its cells by field key."""

    line: int
    values: dict
    texts: dict = field(default_factory=dict, repr=False, compare=False)

    def text(self, key: str) -> str:
        """The cell as plain text (interop.readers.cell_text), worked out once."""
        found = self.texts.get(key)
        if found is None:
            found = self.texts[key] = cell_text(self.values.get(key))
        return found


def iter_rows(table, mapping: dict):
    """The rows of a table read by interop.readers.read_table, through a column mapping,
    one at a time (a check holds only the row it is on)."""
    chosen = [(key, index) for key, index in mapping.items() if index is not None]
    for line, cells in table.rows:
        width = len(cells)
        yield ImportRow(line, {key: cells[index] for key, index in chosen if index < width})


def rows_from_table(table, mapping: dict) -> list[ImportRow]:
    return list(iter_rows(table, mapping))


def rows_from_records(records) -> list[ImportRow]:
    """Rows from dictionaries keyed by field (as the API receives them), numbered from 1
    unless a record gives its own "line". Unknown keys are refused, so a misspelt field is
    not silently ignored."""
    rows = []
    for number, record in enumerate(records, start=1):
        unknown = set(record) - set(FIELD_KEYS) - {"line"}
        if unknown:
            raise FileProblem(
                f"Record {number} has fields NextSteps does not know: {', '.join(sorted(unknown))}."
                f" Use {', '.join(FIELD_KEYS)}."
            )
        line = record.get("line", number)
        rows.append(ImportRow(int(line), {k: v for k, v in record.items() if k != "line"}))
    return rows


def records_mapping(rows: list[ImportRow]) -> dict:
    """The mapping that API records imply: every field some record gives."""
    given = {key for row in rows for key in row.values}
    return {key: (FIELD_KEYS.index(key) if key in given else None) for key in FIELD_KEYS}


# Names --------------------------------------------------------------------------------------

# Letters that do not fall apart into a base letter and an accent under NFKD.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"}
)
_NOT_LETTERS = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)  # a school's names repeat: most keys are worked out once
def name_key(text) -> str:
    """A name reduced for matching: no case, accents, spaces, hyphens or apostrophes.
    "Zoë O'Brien-Smith" and "ZOE OBRIEN SMITH" give the same key."""
    text = str(text or "")
    if text.isascii():
        return _NOT_LETTERS.sub("", text.lower())
    text = unicodedata.normalize("NFKD", text).casefold().translate(_LETTERS)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NOT_LETTERS.sub("", text)


def _first_names(legal_first, middle, preferred_first) -> set[str]:
    names = {legal_first, preferred_first}
    if middle:
        names.add(f"{legal_first} {middle}")
    return {name_key(n) for n in names if n}


def pupil_name_keys(info) -> set[str]:
    """The keys a pupil answers to, first name then last name: legal or preferred first name
    (or legal first and middle names) with legal or preferred last name."""
    _, _, first, middle, last, preferred_first, preferred_last, _ = info
    lasts = {name_key(n) for n in (last, preferred_last) if n}
    return {f + surname for f in _first_names(first, middle, preferred_first) for surname in lasts}


def row_name_keys(row: ImportRow) -> list[str]:
    """Keys to look the row's name up by, most likely first. A single name column may be
    "First Last", "Last, First" or "LAST First"."""
    if "first_name" in row.values or "last_name" in row.values:
        first, last = row.text("first_name"), row.text("last_name")
        return [name_key(first) + name_key(last)] if first and last else []
    whole = " ".join(row.text("name").split())
    if not whole:
        return []
    if "," in whole:
        last, _, first = whole.partition(",")
        return [name_key(first) + name_key(last)]
    keys = [name_key(whole)]
    words = whole.split(" ")
    for cut in range(1, len(words)):  # the last name first
        keys.append(name_key(" ".join(words[cut:])) + name_key(" ".join(words[:cut])))
    return keys


def row_label(row: ImportRow) -> str:
    if "first_name" in row.values or "last_name" in row.values:
        name = f"{row.text('first_name')} {row.text('last_name')}".strip()
    else:
        name = " ".join(row.text("name").split())
    return name or row.text("upn")


class Directory:
    """The pupils a user may import results for at a school, loaded in one query and
    indexed by UPN and by date of birth and name. Every match, suggestion and choice is
    made among these, so a pupil the user may not see can never be matched or named."""

    FIELDS = (
        "pk",
        "upn",
        "legal_first_name",
        "legal_middle_names",
        "legal_last_name",
        "preferred_first_name",
        "preferred_last_name",
        "date_of_birth",
    )

    def __init__(self, school, user):
        self.school = school
        on_roll = Enrolment.objects.filter(school=school).values("pupil_id")
        pupils = Pupil.objects.visible_to(user).filter(pk__in=on_roll).values_list(*self.FIELDS)
        self.info: dict[int, tuple] = {}
        self.keys: dict[int, frozenset] = {}  # pupil -> the name keys they answer to
        self.by_upn: dict[str, int] = {}
        # date of birth -> name key -> pupil id, or a tuple of ids when several share both
        self.by_birth: dict[date, dict[str, object]] = {}
        self._by_name: dict[str, list[int]] | None = None
        for info in pupils.iterator(chunk_size=5000):
            pk, upn, dob = info[0], info[1], info[7]
            self.info[pk] = info
            if upn:
                self.by_upn[upn] = pk
            names = self.by_birth.setdefault(dob, {})
            keys = self.keys[pk] = frozenset(pupil_name_keys(info))
            for key in keys:
                found = names.get(key)
                if found is None:
                    names[key] = pk
                elif found != pk and not (isinstance(found, tuple) and pk in found):
                    names[key] = (*found, pk) if isinstance(found, tuple) else (found, pk)

    def __contains__(self, pk) -> bool:
        return pk in self.info

    def find(self, keys: list[str], born: date) -> list[int]:
        """Pupils born on `born` answering to the first key that finds anyone."""
        names = self.by_birth.get(born)
        if not names:
            return []
        for key in keys:
            found = names.get(key)
            if found is not None:
                return list(found) if isinstance(found, tuple) else [found]
        return []

    def by_name(self) -> dict[str, list[int]]:
        """Name key -> pupils, built on first use (only files with unmatched rows need it)."""
        if self._by_name is None:
            index: dict[str, list[int]] = {}
            for pk, keys in self.keys.items():
                for key in keys:
                    index.setdefault(key, []).append(pk)
            self._by_name = index
        return self._by_name

    def suggest(self, keys: list[str], born: date | None, exclude=()) -> list[int]:
        """Pupils a row that matched nobody might be: the same name with another date of
        birth, or the same date of birth with a similar name; closest first."""
        found: set[int] = set()
        index = self.by_name()
        for key in keys:
            found.update(index.get(key, ()))
        if born is not None:
            for value in self.by_birth.get(born, {}).values():
                found.update(value if isinstance(value, tuple) else (value,))
        found.difference_update(exclude)
        wanted = keys[0] if keys else ""

        def closeness(pk):
            similar = max(
                (difflib.SequenceMatcher(None, wanted, k).ratio() for k in self.keys[pk]),
                default=0,
            )
            return (-(similar + (self.info[pk][7] == born)), self.display(pk))

        return sorted(found, key=closeness)[:SUGGESTIONS]

    def display(self, pk) -> str:
        _, _, first, _, last, preferred_first, preferred_last, _ = self.info[pk]
        return f"{preferred_first or first} {preferred_last or last}"


# Cells --------------------------------------------------------------------------------------

ABSENT = {
    "a",
    "abs",
    "absent",
    "x",
    "-",
    "–",
    "na",
    "n/a",
    "notsat",
    "didnotsit",
    "dns",
    "notattempted",
    "disapplied",
    "d",
}
SCORE_CELLS = (("raw_score", "raw"), ("score", "score"))  # field key, entry key
_AGE_PATTERNS = (
    re.compile(r"^(\d{1,2})\s*[:;]\s*(\d{1,2})$"),
    re.compile(r"^(\d{1,2})\s*y(?:ears?|rs?)?\s*,?\s*(\d{1,2})\s*m(?:onths?|ths?|os?)?$", re.I),
)


def parse_age(value) -> int | None:
    """An age at test in completed months: 8:05, 8y 5m, 8 years 5 months, 101 (months), or
    an Excel cell that took 8:05 for a time of day. None when blank; BadValue otherwise."""
    if value is None:
        return None
    if isinstance(value, time):
        return value.hour * 12 + value.minute
    if isinstance(value, datetime | date):
        raise BadValue(f"'{cell_text(value)}' is a date, not an age.")
    text = cell_text(value)
    if not text:
        return None
    for pattern in _AGE_PATTERNS:
        match = pattern.match(text)
        if match:
            years, months = int(match.group(1)), int(match.group(2))
            if months > 11:
                raise BadValue(f"'{text}' has {months} months; write 0 to 11 after the years.")
            return years * 12 + months
    if text.isdigit() and 36 <= int(text) <= 300:
        return int(text)
    raise BadValue(f"'{text}' is not an age NextSteps can read: write 8:05 or 101 (months).")


@lru_cache(maxsize=65536)
def _text_date(text: str):
    return parse_date(text)


def read_date(value):
    """parse_date, remembering the dates written as text (birthdays and test dates repeat
    down a file). Raises BadValue."""
    return _text_date(value) if isinstance(value, str) else parse_date(value)


def _as_number(text: str):
    try:
        return Decimal(text).quantize(Decimal("0.01"), ROUND_HALF_UP) if text else None
    except InvalidOperation:
        return None


def _show(value) -> str:
    """A number for people: 32, 32.5."""
    if value is None:
        return "—"
    return format(Decimal(value).normalize(), "f")


def _show_date(day) -> str:
    return f"{day:%d/%m/%Y}"


# Checking -----------------------------------------------------------------------------------


@dataclass
class Reconciliation:
    """What an import would do, row by row. `entries` are plain dictionaries (they are kept
    as the job's report): line, status, label, upn, dob (as the file gives them), pupil, how
    (upn, name or chosen), why (unmatched or ambiguous), candidates, raw, score, result (what
    would be stored), changes, errors, warnings. `pool` is the pupils in the year groups the file
    covers who have no row yet: likely owners of the rows that matched nobody."""

    entries: list[dict]
    pool: list[int] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        counts = Counter(e["status"] for e in self.entries)
        return {status: counts.get(status, 0) for status in STATUSES}

    @property
    def undecided(self) -> int:
        return self.summary[CHOOSE]

    @property
    def errors(self) -> int:
        return self.summary[ERROR]


class NotReady(Exception):
    """The import cannot be written yet; the message says what to do. `reconciliation` is the
    check that found it so (None when there was no check: a job not ready to import)."""

    def __init__(self, message: str, reconciliation: Reconciliation | None = None):
        super().__init__(message)
        self.reconciliation = reconciliation


class Changed(Exception):
    """The records changed after the check, so the rows would not be written as confirmed."""

    def __init__(self, reconciliation: Reconciliation):
        self.reconciliation = reconciliation
        super().__init__(
            "Nothing was imported: the pupil records changed after the file was checked, so "
            "some rows would not be written as you confirmed them. Check the file again."
        )


def refusal(sitting) -> str:
    """Why results of this sitting cannot come from a file ("" when they can): grades and
    tests recorded in parts are entered in the grid."""
    definition = sitting.definition
    if definition.measure == Measure.GRADE:
        return f"{definition.name} is recorded as grades: enter its results in the grid."
    if definition.components:
        return f"{definition.name} is recorded in parts: enter its results in the grid."
    return ""


class _Checker:
    def __init__(self, sitting, user, columns: dict, choices: dict):
        self.sitting = sitting
        self.rules = SittingRules.for_sitting(sitting)
        self.directory = Directory(sitting.school, user)
        self.columns = columns
        self.choices = {str(k): v for k, v in (choices or {}).items()}
        self.existing = {
            row[0]: row[1:]
            for row in Result.objects.filter(sitting=sitting, component="").values_list(
                "pupil_id", *COMPARED
            )
        }
        self.bands = {band.pk: band.label for band in self.rules.bands}
        self.first_row: dict[int, dict] = {}  # pupil -> the entry of the first row for them

    def column(self, key: str) -> str:
        return self.columns.get(key) or LABELS.get(key, "")

    def run(self, rows, progress=None) -> Reconciliation:
        entries = []
        for done, row in enumerate(rows, start=1):
            entries.append(self.entry(row))
            if progress is not None and done % BATCH == 0:
                progress(done)
        pool = self.pool(entries) if any(e["status"] == CHOOSE for e in entries) else []
        return Reconciliation(entries, pool)

    def entry(self, row: ImportRow) -> dict:
        entry = {
            "line": row.line,
            "status": CREATE,
            "label": row_label(row),
            "upn": row.text("upn"),
            "dob": row.text("date_of_birth"),
            "pupil": None,
            "how": "",
            "why": "",
            "candidates": [],
            "raw": row.text("raw_score"),
            "score": row.text("score"),
            "result": {},
            "changes": [],
            "errors": [],
            "warnings": [],
        }
        self.identify(row, entry)
        self.check_scores(entry)
        if entry["errors"]:
            entry["status"] = ERROR
            return entry
        if entry["status"] in (CHOOSE, SKIP):
            return entry
        self.derive(row, entry)
        return entry

    def error(self, entry, key: str, message: str) -> None:
        entry["errors"].append({"column": self.column(key) if key else "", "message": message})

    # who the row is for --------------------------------------------------------------

    def identify(self, row: ImportRow, entry: dict) -> None:
        directory = self.directory
        warnings = entry["warnings"]
        try:
            born, bad_birth = read_date(row.values.get("date_of_birth")), ""
        except BadValue as exc:
            born, bad_birth = None, str(exc)
        if born is not None:
            entry["dob"] = _show_date(born)
        upn_text = entry["upn"]
        if upn_text:
            try:
                upn = parse_upn(upn_text).value
            except UPNError as exc:
                upn = None
                warnings.append(f"'{upn_text}' is not a UPN ({exc}).")
            if upn:
                entry["upn"] = upn
                pk = directory.by_upn.get(upn)
                if pk is not None:
                    if bad_birth:
                        warnings.append(f"Date of birth: {bad_birth}")
                    self.matched(entry, pk, "upn", born)
                    self.compare_names(row, entry, pk)
                    return
                warnings.append(
                    f"No pupil you can import results for at {directory.school} has the UPN {upn}."
                )
        if bad_birth:
            self.error(entry, "date_of_birth", bad_birth)
            return
        keys = row_name_keys(row)
        if not keys and not upn_text:
            self.error(
                entry,
                "upn",
                "Nothing to match this row to a pupil by: give the UPN, or the name and date "
                "of birth.",
            )
            return
        found = directory.find(keys, born) if keys and born else []
        if len(found) == 1:
            self.matched(entry, found[0], "name", born)
            return
        if found:
            entry["why"], entry["candidates"] = "ambiguous", sorted(found, key=directory.display)
        else:
            entry["why"] = "unmatched"
            entry["candidates"] = directory.suggest(keys, born)
            if keys and born is None:
                warnings.append("The row has no date of birth, so its name alone cannot match.")
        self.decide(entry)

    def decide(self, entry: dict) -> None:
        """Apply the person's choice for a row that needs one, if they made it."""
        choice = self.choices.get(str(entry["line"]))
        if choice is None or choice == "":
            entry["status"] = CHOOSE
        elif choice == "skip":
            entry["status"] = SKIP
        else:
            try:
                pk = int(choice)
            except (TypeError, ValueError):
                pk = None
            if pk not in self.directory:
                self.error(
                    entry, "", "The pupil chosen for this row is not one you can import for here."
                )
                return
            self.matched(entry, pk, "chosen", None)

    def matched(self, entry: dict, pk: int, how: str, born) -> None:
        entry["pupil"], entry["how"], entry["status"] = pk, how, CREATE
        record = self.directory.info[pk][7]
        if born is not None and born != record and how != "name":
            entry["warnings"].append(
                f"The file gives the date of birth {_show_date(born)}; the pupil's record has "
                f"{_show_date(record)}."
            )

    def compare_names(self, row: ImportRow, entry: dict, pk: int) -> None:
        keys = row_name_keys(row)
        if keys and self.directory.keys[pk].isdisjoint(keys):
            entry["warnings"].append(
                f"The UPN is {self.directory.display(pk)}'s, but the file names {entry['label']}."
            )

    # scores ----------------------------------------------------------------------------

    def check_scores(self, entry: dict) -> None:
        given = [(key, entry[name]) for key, name in SCORE_CELLS if entry[name]]
        if not given:
            self.error(entry, "raw_score", "There is no score in this row.")
            return
        for key, text in given:
            if norm(text) in ABSENT or text.strip().lower() in ABSENT:
                self.error(
                    entry,
                    key,
                    f"'{text}' is not a score (was the pupil absent?). Leave the row out or give "
                    "the score.",
                )

    def derive(self, row: ImportRow, entry: dict) -> None:
        pk = entry["pupil"]
        earlier = self.first_row.get(pk)
        if earlier is not None:
            self.repeat(entry, earlier)
            return
        self.first_row[pk] = entry
        born = self.directory.info[pk][7]
        try:
            derived = self.rules.derive(
                date_of_birth=born, raw_score=entry["raw"] or None, score=entry["score"] or None
            )
        except ScoreError as exc:
            field_key = exc.field if exc.field in ("raw_score", "score") else ""
            value = entry["raw"] if field_key == "raw_score" else entry["score"]
            shown = f" ({value})" if field_key and value else ""
            entry["errors"].append(
                {
                    "column": f"{self.column(field_key)}{shown}" if field_key else "",
                    "message": exc.message,
                }
            )
            entry["status"] = ERROR
            return
        raw = _as_number(entry["raw"])
        band = derived.band.pk if derived.band else None
        entry["result"] = {
            "raw": _show(raw) if raw is not None else "",
            "score": _show(derived.score) if derived.score is not None else "",
            "age": derived.age_months,
            "percentile": derived.percentile,
            "band": derived.band.label if derived.band else "",
            "band_id": band,
            "met": derived.met_threshold,
        }
        self.compare_age(row, entry, born, derived.age_months)
        values = _stored(entry["result"])
        before = self.existing.get(pk)
        if before is None:
            entry["status"] = CREATE
        elif _same(before, values):
            entry["status"] = UNCHANGED
        else:
            entry["status"] = UPDATE
            entry["changes"] = self.changes(before, values)

    def changes(self, before, after) -> list[str]:
        said = []
        for name, old, new in zip(COMPARED, before, after, strict=True):
            if _equal(old, new) or name == "grade_id":
                continue
            if name == "band_id":
                old, new = self.bands.get(old, "—"), self.bands.get(new, "—")
            elif name == "met_threshold":
                old, new = _yes_no(old), _yes_no(new)
            else:
                old, new = _show(old), _show(new)
            said.append(f"{CHANGE_NAMES[name]} {old} → {new}")
        return said

    def repeat(self, entry: dict, earlier: dict) -> None:
        same = (entry["raw"], entry["score"]) == (earlier["raw"], earlier["score"])
        entry["status"] = ERROR
        if same:
            message = f"This row repeats line {earlier['line']} (the same pupil and score)."
        else:
            message = (
                f"Line {earlier['line']} is for the same pupil with a different score; "
                "correct the file so each pupil has one row."
            )
            earlier["status"] = ERROR
            earlier["errors"].append(
                {
                    "column": "",
                    "message": f"Line {entry['line']} is for the same pupil with a different "
                    "score; correct the file so each pupil has one row.",
                }
            )
        self.error(entry, "", message)

    def compare_age(self, row: ImportRow, entry: dict, born: date, ours: int | None) -> None:
        """The publisher's age at test beside NextSteps' own, and the test date beside the
        sitting's. Differences are warnings: NextSteps keeps its own age, from the date of
        birth on record and the sitting's date."""
        warnings = entry["warnings"]
        on = self.sitting.date
        try:
            tested = read_date(row.values.get("test_date"))
        except BadValue as exc:
            warnings.append(f"Test date: {exc}")
            tested = None
        if tested is not None and tested != on and tested >= born:
            then = age_in_months(born, tested)
            if then != ours:
                warnings.append(
                    f"Tested on {_show_date(tested)}, when the pupil was {format_age(then)}; "
                    f"NextSteps reads the score at the sitting's date, {_show_date(on)} "
                    f"({format_age(ours)})."
                )
            on, ours = tested, then
        try:
            theirs = parse_age(row.values.get("age_at_test"))
        except BadValue as exc:
            warnings.append(f"Age at test: {exc}")
            return
        if theirs is not None and ours is not None and theirs != ours:
            warnings.append(
                f"The file gives the age at test as {format_age(theirs)}; from the date of "
                f"birth on record ({_show_date(born)}) NextSteps makes it {format_age(ours)} on "
                f"{_show_date(on)}."
            )

    # rows that still need a pupil ---------------------------------------------------------

    def pool(self, entries) -> list[int]:
        """Pupils in the sitting's year, in the year groups of the pupils the file matched,
        who have no row in it yet."""
        matched = {e["pupil"] for e in entries if e["pupil"] is not None}
        enrolments = Enrolment.objects.filter(
            school=self.sitting.school, academic_year=self.sitting.academic_year
        ).values_list("pupil_id", "year_group_id")
        groups: dict[int, set[int]] = {}
        for pupil_id, group in enrolments:
            groups.setdefault(group, set()).add(pupil_id)
        covered = {g for g, members in groups.items() if members & matched}
        pool = set().union(*(groups[g] for g in covered)) if covered else set()
        pool = [pk for pk in pool - matched if pk in self.directory]
        return sorted(pool, key=self.directory.display)[:POOL_LIMIT]


# What a result holds that an import can change, in this order wherever it is compared.
COMPARED = (
    "raw_score",
    "score",
    "age_months",
    "percentile",
    "band_id",
    "met_threshold",
    "grade_id",
)
CHANGE_NAMES = {
    "raw_score": "raw score",
    "score": "score",
    "age_months": "age in months",
    "percentile": "percentile",
    "band_id": "band",
    "met_threshold": "met the threshold",
}


def _stored(result: dict) -> tuple:
    """An entry's derived result as the COMPARED values a Result would hold."""
    return (
        _as_number(result["raw"]),
        _as_number(result["score"]),
        result["age"],
        result["percentile"],
        result["band_id"],
        result["met"],
        None,
    )


def _equal(old, new) -> bool:
    if old is None or new is None:
        return old is new
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(old) == Decimal(new)
    return old == new


def _same(before, after) -> bool:
    return all(_equal(old, new) for old, new in zip(before, after, strict=True))


def _yes_no(value) -> str:
    return "—" if value is None else ("yes" if value else "no")


def check(sitting, rows, user, *, choices=None, columns=None, progress=None) -> Reconciliation:
    """Match every row to a pupil and check its scores; write nothing (this is the dry run).

    Guarantees: only pupils of the sitting's school that `user` may see are matched, offered
    or accepted as a choice; every row has exactly one entry, in file order; a row's status is
    create, update or unchanged (ready to write), choose (matched nobody or several pupils
    and no choice made), skip (the person chose to leave it out) or error (with the reasons).
    Two rows for one pupil are errors. Raises PermissionDenied if `user` may not import into
    the sitting. `choices` maps line numbers to a pupil id or "skip"; `columns` maps field
    keys to the file's own headings for the messages; `progress(done)` is called every BATCH
    rows."""
    if not access.may_import(user, sitting):
        raise PermissionDenied
    if refusal(sitting):
        raise FileProblem(refusal(sitting))
    return _Checker(sitting, user, columns or {}, choices or {}).run(rows, progress)


# Writing ------------------------------------------------------------------------------------

_AUDITED = [f for f in Result._meta.concrete_fields if f.name not in SKIPPED_FIELDS]


EMPTY_ENTRY = {
    "label": "",
    "upn": "",
    "dob": "",
    "pupil": None,
    "how": "",
    "why": "",
    "candidates": [],
    "raw": "",
    "score": "",
    "result": {},
    "changes": [],
    "errors": [],
    "warnings": [],
}


def compact(entries) -> list[dict]:
    """Entries as a job keeps them: without the fields that are empty (a file of 100,000
    rows keeps a third of the size). `full` puts them back."""
    return [{k: v for k, v in e.items() if v or k in ("line", "status")} for e in entries]


def full(entry: dict) -> dict:
    return {**EMPTY_ENTRY, **entry}


def decisions(entries) -> dict:
    """What a reconciliation does with each line: (write, skip, choose or error; the pupil).
    Give `commit` the decisions of the one the person confirmed."""
    return {
        e["line"]: ("write" if e["status"] in WRITTEN else e["status"], e.get("pupil"))
        for e in entries
    }


def commit(
    sitting,
    rows,
    user,
    *,
    choices=None,
    leave_out_errors=False,
    expected=None,
    columns=None,
    job=None,
    progress=None,
) -> Reconciliation:
    """Check the rows again and write every row that is ready, in one transaction.

    Guarantees:
    - Nothing is written unless every row that needed a pupil has one chosen or is skipped
      (NotReady), and rows with errors are only left out when `leave_out_errors` says the
      person agreed (NotReady otherwise). A NotReady carries the reconciliation that found it.
    - With `expected` (`decisions()` of the reconciliation the person confirmed), nothing is
      written if any row would now go to another pupil, or change between written, skipped
      and in error (Changed).
    - All or nothing: results, their audit entries and (with `job`) the job's "done" are one
      transaction; any failure leaves the database as it was.
    - A row identical to the stored result writes nothing; a changed one raises its version.
      Each result written is in the audit log, as a single save would be.
    Returns the reconciliation, whose statuses say what was written."""
    recon = check(sitting, rows, user, choices=choices, columns=columns, progress=progress)
    if expected is not None and expected != decisions(recon.entries):
        raise Changed(recon)
    if recon.undecided:
        raise NotReady(
            f"{recon.undecided} row{'s' if recon.undecided != 1 else ''} still "
            f"need{'s' if recon.undecided == 1 else ''} a pupil chosen, or skipping.",
            recon,
        )
    if recon.errors and not leave_out_errors:
        raise NotReady(
            f"{recon.errors} row{'s have' if recon.errors != 1 else ' has'} errors: correct the "
            "file, or confirm that those rows are left out.",
            recon,
        )
    source = f"results import #{job.pk} ({job.original_name})" if job else "results import"
    with acting_as(user, source=source[:200]), transaction.atomic():
        if job is not None:
            mine = ResultImport.objects.select_for_update().filter(
                pk=job.pk, status=ResultImport.Status.IMPORTING
            )
            if not mine.exists():
                raise NotReady("This import was finished by another run.", recon)
        _write(sitting, recon, user, job)
        if job is not None:
            _finish(
                job,
                ResultImport.Status.IMPORTING,
                status=ResultImport.Status.DONE,
                report=compact(recon.entries),
                summary={**recon.summary, "pool": []},
                progress_done=job.progress_total,
                finished_at=timezone.now(),
            )
    return recon


def _write(sitting, recon: Reconciliation, user, job) -> None:
    """Write the ready rows against the results as they are now, with them locked.

    Results and their audit entries are written with executemany: with the ORM, building
    the statements for 100,000 model instances costs several times what the database spends
    on them. The values are the ones the ORM would write (Decimals, ids, the one timestamp of
    the import adapted by the database backend, JSON through the field), and each audit
    entry is the one the save signal writes, with the sitting's school."""
    ready = [e for e in recon.entries if e["status"] in WRITTEN]
    if not ready:
        return
    on_roll = Enrolment.objects.filter(school=sitting.school).values("pupil_id")
    visible = set(
        Pupil.objects.visible_to(user).filter(pk__in=on_roll).values_list("pk", flat=True)
    )
    if any(e["pupil"] not in visible for e in ready):
        raise PermissionDenied("A pupil in the file is no longer one you may import for.")
    del visible
    stored = Result.objects.select_for_update().filter(sitting=sitting, component="")
    existing = {row[0]: row[1:] for row in stored.values_list("pupil_id", "pk", *COMPARED)}
    now = timezone.now()
    fixed = {
        "sitting_id": sitting.pk,
        "component": "",
        "grade_id": None,
        "note": "",
        "source": Result.Source.IMPORT.value,
        "import_job_id": job.pk if job is not None else None,
        "recorded_by_id": user.pk,
        "recorded_at": now,
    }
    # A batch at a time, so that memory holds one batch of rows to write, not the file's.
    for start in range(0, len(ready), BATCH):
        created, changed, audit = [], {}, _AuditRows(sitting, now)
        for entry in ready[start : start + BATCH]:
            values = dict(zip(COMPARED, _stored(entry["result"]), strict=True))
            found = existing.get(entry["pupil"])
            if found is None:
                entry["status"] = CREATE
                created.append({**fixed, **values, "pupil_id": entry["pupil"], "version": 1})
            elif _same(found[1:], values.values()):
                entry["status"] = UNCHANGED
            else:
                entry["status"] = UPDATE
                changed[found[0]] = {**fixed, **values}
        _insert(Result, _RESULT_COLUMNS, [[row[n] for n in _RESULT_COLUMNS] for row in created])
        if created:
            ids = dict(
                stored.filter(pupil_id__in=[row["pupil_id"] for row in created]).values_list(
                    "pupil_id", "pk"
                )
            )
            for row in created:
                holder = SimpleNamespace(id=ids[row["pupil_id"]], pk=ids[row["pupil_id"]], **row)
                audit.add(holder, AuditEvent.Action.CREATE, {"after": _snapshot(holder)})
        if changed:
            results = list(Result.objects.filter(pk__in=changed))
            for result in results:
                before = _snapshot(result)
                for name, value in changed[result.pk].items():
                    setattr(result, name, value)
                result.version += 1
                after = _snapshot(result)
                audit.add(
                    result,
                    AuditEvent.Action.UPDATE,
                    {"changed": {k: [before[k], v] for k, v in after.items() if before[k] != v}},
                )
            _update(Result, _UPDATED, results)
        _insert(AuditEvent, _AuditRows.COLUMNS, audit.rows)


_RESULT_COLUMNS = [f.attname for f in Result._meta.concrete_fields if not f.primary_key]
_UPDATED = [*COMPARED, "source", "import_job_id", "recorded_by_id", "recorded_at", "version"]


def _snapshot(result) -> dict:
    """The result's fields as the audit log records them (see audit.signals)."""
    return {f.name: f.value_to_string(result) for f in _AUDITED}


def _preparers(model, names: list[str]) -> list:
    """For each field, how to put a value in the form the database driver takes, as the ORM
    would: timestamps through the backend, JSON through the field, the rest as they are
    (ids, text, booleans, Decimals, which every backend's driver takes)."""

    def preparer(field):
        kind = field.get_internal_type()
        if kind == "JSONField":
            return lambda value: field.get_db_prep_save(value, connection)
        if kind == "DateTimeField":
            return connection.ops.adapt_datetimefield_value
        return None

    return [preparer(model._meta.get_field(name)) for name in names]


def _prepared(preparers, values) -> list:
    return [
        value if prepare is None or value is None else prepare(value)
        for prepare, value in zip(preparers, values, strict=True)
    ]


def _insert(model, names: list[str], rows: list[list]) -> None:
    """INSERT rows (values in the order of `names`, field attnames). On PostgreSQL through
    COPY, its bulk loading path; elsewhere (SQLite) by running one prepared INSERT many times,
    which the driver does in C. Both stay inside the caller's transaction."""
    if not rows:
        return
    quote = connection.ops.quote_name
    preparers = _preparers(model, names)
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(_prepared(preparers, row))
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(sql, [_prepared(preparers, row) for row in batch])


def _update(model, names: list[str], objects) -> None:
    """UPDATE the `names` fields of model instances by primary key, in batches."""
    if not objects:
        return
    quote = connection.ops.quote_name
    preparers = _preparers(model, names)
    assignments = ", ".join(f"{quote(model._meta.get_field(n).column)} = %s" for n in names)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(objects), BATCH):
            batch = objects[start : start + BATCH]
            cursor.executemany(
                sql,
                [[*_prepared(preparers, [getattr(o, n) for n in names]), o.pk] for o in batch],
            )


class _AuditRows:
    """The audit entries a save of each result would have written (bulk writes send no
    signals), as rows for _insert."""

    COLUMNS = [
        "at",
        "actor_id",
        "actor_name",
        "action",
        "model",
        "object_id",
        "object_repr",
        "school_id",
        "pupil_id",
        "what",
        "changes",
        "source",
    ]

    def __init__(self, sitting, now):
        from nextsteps.audit.context import current_actor, current_source

        actor = current_actor()
        self.start = [
            now,
            actor.pk if actor else None,
            (actor.email or actor.username)[:200] if actor else "system",
        ]
        self.school_id = sitting.school_id
        self.source = current_source()
        self.rows: list[list] = []

    def add(self, result, action, changes) -> None:
        self.rows.append(
            [
                *self.start,
                action,
                Result._meta.label_lower,
                str(result.pk),
                Result.__str__(result)[:200],
                self.school_id,
                result.pupil_id,
                "",
                changes,
                self.source,
            ]
        )


# Jobs: an uploaded file checked and imported in the background ------------------------------


def jobs_for(user):
    """The import jobs `user` may open: their own, while they may still import into the
    sitting. Another person's job is never shown: it was matched within its uploader's view
    of the school, which may hold pupils this user may not see."""
    if not user.is_authenticated:
        return ResultImport.objects.none()
    return (
        ResultImport.objects.filter(uploaded_by=user, sitting__in=access.import_sittings_for(user))
        .select_related("sitting__definition", "sitting__school", "uploaded_by")
        .defer("content")
    )


def start(user, sitting, upload) -> ResultImport:
    """Read an uploaded file and keep it as a new job for `sitting`, its columns matched by
    their headings. Raises PermissionDenied, or FileProblem (nothing kept) when the file
    cannot be used."""
    if not access.may_import(user, sitting):
        raise PermissionDenied
    if refusal(sitting):
        raise FileProblem(refusal(sitting))
    if upload.size > settings.NEXTSTEPS_IMPORT_MAX_BYTES:
        limit = settings.NEXTSTEPS_IMPORT_MAX_BYTES / (1024 * 1024)
        raise FileProblem(
            f"The file is larger than the limit of {limit:g} MB. Split it into smaller files."
        )
    content = upload.read()
    table = read_table(content, upload.name)
    job = ResultImport(
        sitting=sitting,
        uploaded_by=user,
        original_name=upload.name[:255],
        file_format=table.file_format,
        content=content,
        headers=table.headers,
        row_count=len(table.rows),
        mapping=auto_map(table.headers),
        updated_at=timezone.now(),
    )
    # bulk_create sends no save signal, so the audit log does not copy the file
    return ResultImport.objects.bulk_create([job])[0]


def columns_of(job: ResultImport) -> dict:
    """Field key to the file's own heading, for messages that name the column."""
    return {
        key: (job.headers[index] or f"column {index + 1}")
        for key, index in job.mapping.items()
        if isinstance(index, int) and index < len(job.headers)
    }


def set_mapping(job: ResultImport, mapping: dict) -> dict:
    """Save the column choices if they can work; returns field errors (empty when saved).
    New columns mean a new check, so earlier choices for rows are kept but the report goes."""
    if job.busy or job.status == ResultImport.Status.DONE:
        return {"": "This import is already under way or finished."}
    clean = {}
    for key in FIELD_KEYS:
        index = mapping.get(key)
        clean[key] = index if isinstance(index, int) and 0 <= index < len(job.headers) else None
    errors = mapping_errors(clean)
    if not errors:
        _set(job, mapping=clean, status=ResultImport.Status.UPLOADED, report=[], summary={})
    return errors


def request_check(job: ResultImport) -> ResultImport:
    """Queue a check of every row. A check writes nothing but the job's report."""
    from .tasks import check_results_import

    if job.busy or job.status == ResultImport.Status.DONE:
        return job
    errors = mapping_errors(job.mapping)
    if errors:
        raise FileProblem(next(iter(errors.values())))
    _set(
        job,
        status=ResultImport.Status.CHECKING,
        progress_done=0,
        progress_total=job.row_count,
        message="",
    )
    return _enqueue(job, check_results_import)


def save_choices(job: ResultImport, choices: dict) -> ResultImport:
    """Keep the person's choices for rows that need a pupil (line -> pupil id or "skip"),
    then check again so that the report and the duplicates reflect them. Choices for lines
    that do not need one are ignored; a pupil that is not among the row's candidates, or
    not one the person may import for, is caught by the check."""
    if job.status != ResultImport.Status.CHECKED:
        raise FileProblem("Choices can be made once the file has been checked.")
    open_lines = {
        str(e["line"])
        for e in job.report
        if e["status"] in (CHOOSE, SKIP) or e.get("how") == "chosen"
    }
    merged = dict(job.choices)
    for line, choice in choices.items():
        line = str(line)
        if line not in open_lines:
            continue
        if choice in ("", None):
            merged.pop(line, None)
        elif choice == "skip" or str(choice).isdigit():
            merged[line] = choice if choice == "skip" else int(choice)
    _set(job, choices=merged)
    return request_check(job)


def clear_choices(job: ResultImport) -> ResultImport:
    if job.status != ResultImport.Status.CHECKED:
        raise FileProblem("Choices can be cleared once the file has been checked.")
    _set(job, choices={})
    return request_check(job)


def request_commit(job: ResultImport, leave_out_errors: bool = False) -> ResultImport:
    """Queue the import of a checked job whose rows are all decided. Rows with errors are
    left out only when the person confirms it."""
    from .tasks import commit_results_import

    if not job.can_commit:
        if job.status == ResultImport.Status.CHECKED and job.undecided:
            raise NotReady(
                "Choose the pupil for every row that matched nobody or several pupils, or "
                "skip those rows, before importing."
            )
        raise NotReady("Only a checked file can be imported.")
    if job.errors and not leave_out_errors:
        raise NotReady(
            "Confirm that the rows with errors are left out (tick the box), or correct the "
            "file and upload it again."
        )
    _set(
        job,
        status=ResultImport.Status.IMPORTING,
        leave_out_errors=bool(leave_out_errors),
        progress_done=0,
        progress_total=job.row_count,
        message="",
    )
    return _enqueue(job, commit_results_import)


def _enqueue(job: ResultImport, task) -> ResultImport:
    # Only the id is written here: an immediate backend has already run the task.
    result = task.enqueue(job.pk)
    ResultImport.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _set(job: ResultImport, **fields) -> None:
    """Write to the job with a plain UPDATE (no save signal, no race with a save of the whole
    job). Every write is also the job's heartbeat."""
    fields["updated_at"] = timezone.now()
    ResultImport.objects.filter(pk=job.pk).update(**fields)
    for key, value in fields.items():
        setattr(job, key, value)


def _finish(job: ResultImport, expected: str, **fields) -> bool:
    """Write an outcome only if the job is still in the `expected` status, so that a run
    given up on (and run again) never overwrites the outcome of the run that replaced it."""
    fields["updated_at"] = timezone.now()
    written = ResultImport.objects.filter(pk=job.pk, status=expected).update(**fields)
    if written:
        for key, value in fields.items():
            setattr(job, key, value)
    return bool(written)


def _rows(job: ResultImport):
    return iter_rows(read_table(bytes(job.content), job.original_name), job.mapping)


def _load(job_id: int) -> ResultImport:
    return ResultImport.objects.select_related(
        "sitting__definition", "sitting__school", "sitting__norm_table", "uploaded_by"
    ).get(pk=job_id)


def _uploader(job: ResultImport):
    user = job.uploaded_by
    if user is None or not access.may_import(user, job.sitting):
        raise PermissionDenied("The person who uploaded this file may no longer import results.")
    return user


def _progress(job: ResultImport):
    return lambda done: _set(job, progress_done=done)


def run_check(job_id: int) -> dict:
    """Check every row of a job and keep the reconciliation as its report."""
    job = _load(job_id)
    if job.status != ResultImport.Status.CHECKING:
        return job.summary
    _set(job, progress_done=0)  # the first heartbeat: a worker has the job
    try:
        user = _uploader(job)
        recon = check(
            job.sitting,
            _rows(job),
            user,
            choices=job.choices,
            columns=columns_of(job),
            progress=_progress(job),
        )
    except Exception as exc:
        log.exception("checking results import %s failed", job.pk)
        _finish(
            job,
            ResultImport.Status.CHECKING,
            status=ResultImport.Status.FAILED,
            finished_at=timezone.now(),
            message=f"Checking stopped with an unexpected error: {_describe(exc)}. "
            "Nothing was imported.",
        )
        return {}
    summary = {**recon.summary, "pool": recon.pool}
    _finish(
        job,
        ResultImport.Status.CHECKING,
        status=ResultImport.Status.CHECKED,
        report=compact(recon.entries),
        summary=summary,
        progress_done=len(recon.entries),
        checked_at=timezone.now(),
    )
    return summary


def run_commit(job_id: int) -> dict:
    """Import a confirmed job: check every row again (with progress), then write all of it
    in one transaction that also marks the job done, with the job's row locked. A second run
    of the same job (one restarted because it looked stopped) waits for the first and then
    finds nothing left to do."""
    job = _load(job_id)
    if job.status != ResultImport.Status.IMPORTING:
        return job.summary
    _set(job, progress_done=0)
    confirmed = decisions(job.report)
    job.report = []  # not needed again: let a large one go before the rows are read
    try:
        user = _uploader(job)
        recon = commit(
            job.sitting,
            _rows(job),
            user,
            choices=job.choices,
            leave_out_errors=job.leave_out_errors,
            expected=confirmed,
            columns=columns_of(job),
            job=job,
            progress=_progress(job),
        )
    except Changed as exc:
        new = exc.reconciliation
        _finish(
            job,
            ResultImport.Status.IMPORTING,
            status=ResultImport.Status.CHECKED,
            report=compact(new.entries),
            summary={**new.summary, "pool": new.pool},
            checked_at=timezone.now(),
            message=str(exc),
        )
        return {}
    except Exception as exc:
        log.exception("results import %s failed", job.pk)
        _finish(
            job,
            ResultImport.Status.IMPORTING,
            status=ResultImport.Status.FAILED,
            finished_at=timezone.now(),
            message=f"Nothing was imported: {_describe(exc)}. The records are exactly as they "
            "were before.",
        )
        return {}
    return recon.summary


def _describe(exc: BaseException) -> str:
    if isinstance(exc, NotReady | PermissionDenied | FileProblem) and str(exc):
        return str(exc)
    text = str(exc).strip()
    return (
        f"an unexpected error ({type(exc).__name__}: {text})"[:300] if text else type(exc).__name__
    )


def stalled(job: ResultImport, now=None) -> bool:
    """True when a job says it is checking or importing but nothing is running it any more
    (see nextsteps.lib.jobs.stalled). Whatever a dead import wrote was rolled back."""
    from .tasks import check_results_import, commit_results_import

    task = (
        check_results_import
        if job.status == ResultImport.Status.CHECKING
        else commit_results_import
    )
    return jobs.stalled(job, task, now)


class StillRunning(Exception):
    pass


def restart(job: ResultImport) -> ResultImport:
    """Queue again the step of a job that stopped part-way. Raises StillRunning when it has
    not stopped. An import holds its job row locked until it commits, and a restart refuses
    a locked row (on PostgreSQL), so the same rows are never written twice."""
    from .tasks import check_results_import, commit_results_import

    if not stalled(job):
        raise StillRunning("This import is still running: wait for it to finish.")
    status = job.status
    with transaction.atomic():
        row = (
            ResultImport.objects.select_for_update(skip_locked=True)
            .filter(pk=job.pk, status=status)
            .first()
        )
        if row is None:
            raise StillRunning("This import is still running: wait for it to finish.")
        _set(job, progress_done=0, message="")
    log.warning("restarting the %s of results import %s, which had stopped", job.step, job.pk)
    task = check_results_import if status == ResultImport.Status.CHECKING else commit_results_import
    return _enqueue(job, task)


def mark_failed(job_id: int, exc: BaseException) -> None:
    """Record that a task ended with an exception its step did not catch, so the job does
    not stay busy for ever. Nothing was saved: the import's transaction rolled back."""
    job = ResultImport.objects.filter(pk=job_id).first()
    if job is None or not job.busy:
        return
    step = "Checking" if job.status == ResultImport.Status.CHECKING else "Importing"
    _finish(
        job,
        job.status,
        status=ResultImport.Status.FAILED,
        finished_at=timezone.now(),
        message=f"{step} stopped: {_describe(exc)}. Nothing was imported.",
    )
