"""Reading an uploaded table (CSV or XLSX) into a header row and numbered data rows.

Everything a person could get wrong about the file as a whole (too big, not a table, no rows,
too many rows) is a FileProblem with a message they can act on; problems in single rows are
for the importers to report line by line."""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings

ENCODINGS = ("utf-8-sig", "cp1252")
# Magic numbers of files people upload by mistake, named so the message can say what it was.
BINARY_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old-style Excel or Word file (.xls or .doc)",
    b"\x1f\x8b": "a compressed (gzip) file",
}


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class Table:
    file_format: str
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)  # (line number, cells)


def detect_format(content: bytes, filename: str) -> str:
    """'csv' or 'xlsx', judged by the bytes, not the name (a renamed file is still refused)."""
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile as exc:
            raise FileProblem("The file looks like a damaged Excel workbook.") from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise FileProblem(
            "The file is a zip archive but not an Excel workbook. Upload a .csv or .xlsx file."
        )
    for magic, what in BINARY_SIGNATURES.items():
        if content.startswith(magic):
            raise FileProblem(
                f"The file is {what}, not a table. Upload a .csv or .xlsx file "
                "(in Excel: File, Save As, CSV UTF-8 or Excel Workbook)."
            )
    if b"\x00" in content[:4096]:
        raise FileProblem("The file contains binary data, not text. Upload a .csv or .xlsx file.")
    return "csv"


def decode_text(content: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(  # cp1252 leaves only five bytes undefined, so this is rare
        "The file's text could not be read. Save it as CSV UTF-8 and upload it again."
    )


def _limits(content: bytes):
    if len(content) > settings.NEXTSTEPS_IMPORT_MAX_BYTES:
        limit = settings.NEXTSTEPS_IMPORT_MAX_BYTES / (1024 * 1024)
        raise FileProblem(
            f"The file is larger than the limit of {limit:g} MB. Split it into smaller files."
        )


def _too_many_rows():
    return FileProblem(
        f"The file has more than {settings.NEXTSTEPS_IMPORT_MAX_ROWS:,} rows, the most one "
        "import takes. Split it into smaller files."
    )


def _blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _read_csv(content: bytes) -> tuple[list, list]:
    text = decode_text(content)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","  # one column, or too little text to tell: the usual comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers, rows = None, []
    try:
        for cells in reader:
            if _blank(cells):
                continue
            if headers is None:
                headers = cells
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > settings.NEXTSTEPS_IMPORT_MAX_ROWS:
                raise _too_many_rows()
    except csv.Error as exc:
        raise FileProblem(f"The CSV file is malformed near line {reader.line_num}: {exc}.") from exc
    return headers or [], rows


def _read_xlsx(content: bytes) -> tuple[list, list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise FileProblem(
            "The Excel workbook could not be opened. Save it again as .xlsx and retry."
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        headers, rows = None, []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(cells)
            if _blank(cells):
                continue
            if headers is None:
                headers = ["" if c is None else str(c) for c in cells]
                continue
            rows.append((number, cells))
            if len(rows) > settings.NEXTSTEPS_IMPORT_MAX_ROWS:
                raise _too_many_rows()
    finally:
        workbook.close()
    return headers or [], rows


def read_table(content: bytes, filename: str = "") -> Table:
    """The header row and the non-blank data rows of an uploaded file, with line numbers as a
    person sees them in Excel or a text editor. Raises FileProblem."""
    _limits(content)
    if not content.strip():
        raise FileProblem("The file is empty. Upload a file with a header row and data rows.")
    file_format = detect_format(content, filename)
    headers, rows = _read_csv(content) if file_format == "csv" else _read_xlsx(content)
    headers = [str(h).strip() for h in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileProblem("The file is empty. Upload a file with a header row and data rows.")
    if not rows:
        raise FileProblem(
            "The file has a header row but no data rows underneath it. Nothing to import."
        )
    return Table(file_format=file_format, headers=headers, rows=rows)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value) -> str:
    """A cell as plain text: numbers without a trailing .0, dates as yyyy-mm-dd, and the quote
    our own CSV exports put before formula characters taken off again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]
    return text
