"""Turning a cell into a value, or into a plain-English reason it cannot be one."""

import re
from datetime import date, datetime, timedelta

from .readers import cell_text


class BadValue(ValueError):
    """A cell that cannot be read; the message is shown beside the row."""


def norm(text: str) -> str:
    """A header or label reduced to letters and digits, for matching names loosely."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


EXCEL_EPOCH = date(1899, 12, 30)
DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
]


def parse_date(value) -> date | None:
    """A date from a cell: an Excel date, yyyy-mm-dd, or dd/mm/yyyy (UK order). None if blank."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # an Excel date serial number in a cell that lost its date format
        if 1 <= value < 80000:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise BadValue(f"'{cell_text(value)}' is not a date. Write dates as dd/mm/yyyy.")
    text = cell_text(value)
    if not text:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d\d-\d\d[ T]", text) else text
    text = text.split("T")[0]
    for pattern, order in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise BadValue(
                    f"'{text}' is not a real date (there is no day {parts['d']} in month "
                    f"{parts['m']} of {parts['y']})."
                ) from None
    if re.match(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}$", text):
        raise BadValue(f"'{text}' has a two-digit year; write the year in full (dd/mm/yyyy).")
    raise BadValue(f"'{text}' is not a date. Write dates as dd/mm/yyyy or yyyy-mm-dd.")


YES = {"y", "yes", "true", "t", "1"}
NO = {"n", "no", "false", "f", "0"}


def parse_flag(value) -> bool | None:
    text = cell_text(value).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise BadValue(f"'{cell_text(value)}' should be Y or N.")


SEXES = {
    "f": "F",
    "female": "F",
    "girl": "F",
    "m": "M",
    "male": "M",
    "boy": "M",
    "u": "U",
    "unknown": "U",
    "notknown": "U",
    "x": "U",
}


def parse_sex(value) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    try:
        return SEXES[norm(text)]
    except KeyError:
        raise BadValue(f"'{text}' is not a sex we record: use F, M or U (not known).") from None


SEN_CODES = {
    "n": "N",
    "none": "N",
    "nosen": "N",
    "k": "K",
    "sensupport": "K",
    "support": "K",
    "e": "E",
    "ehcp": "E",
    "ehcplan": "E",
    "s": "E",  # a statement, replaced by EHC plans in 2014
    "statement": "E",
}


def parse_sen(value) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    try:
        return SEN_CODES[norm(text)]
    except KeyError:
        raise BadValue(
            f"'{text}' is not an SEN status: use N (none), K (SEN support) or E (EHC plan)."
        ) from None


def split_list(value) -> list[str]:
    """Several values in one cell, separated by semicolons, commas or new lines."""
    return [part.strip() for part in re.split(r"[;,\n]", cell_text(value)) if part.strip()]
