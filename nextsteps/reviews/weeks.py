"""Weeks as the reviews count them, in plain Python (no Django): a week is named by its Monday,
and a school's weekly update falls due at a set day and time of that week.

The due moment is configurable per school (School.settings["reviews"], read in updates.py);
this module only does the arithmetic."""

from datetime import date, datetime, time, timedelta, tzinfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK = timedelta(days=7)


def monday_of(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def parse_week(text: str) -> date:
    """A week from its Monday written as YYYY-MM-DD. Raises ValueError, with a sentence for a
    person, for anything else (a date that is not a Monday included: guessing which week was
    meant would file ratings under the wrong one)."""
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError("Give the week as the date of its Monday, e.g. 2026-11-16.") from None
    if day.weekday() != 0:
        raise ValueError(
            f"{long_date(day, weekday=True)} is not a Monday; weeks are named by their Monday "
            f"({long_date(monday_of(day))} for that week)."
        )
    return day


def long_date(day: date, weekday: bool = False) -> str:
    """16 November 2026 (or Monday 16 November 2026)."""
    text = f"{day.day} {day:%B %Y}"
    return f"{day:%A} {text}" if weekday else text


def week_end(monday: date) -> date:
    """The Sunday ending the week."""
    return monday + timedelta(days=6)


def weeks_back(monday: date, count: int) -> list[date]:
    """`count` weeks ending with `monday`, oldest first."""
    return [monday - WEEK * n for n in range(count - 1, -1, -1)]


def weeks_between(first: date, last: date) -> list[date]:
    """Every Monday from the week of `first` to the week of `last`, oldest first."""
    start, end = monday_of(first), monday_of(last)
    out = []
    while start <= end:
        out.append(start)
        start += WEEK
    return out


def parse_due(day: str, at: str) -> tuple[int, time]:
    """("friday", "15:00") -> (4, 15:00). ValueError with a sentence for anything else."""
    name = str(day).strip().lower()
    if name not in DAYS:
        raise ValueError(f"The update day must be one of {', '.join(DAYS)}; not {day!r}.")
    try:
        moment = time.fromisoformat(str(at).strip())
    except ValueError:
        raise ValueError(f"The update time must be like 15:00; not {at!r}.") from None
    return DAYS.index(name), moment


def due_at(monday: date, weekday: int, at: time, zone: tzinfo) -> datetime:
    """The moment the update for the week of `monday` falls due, in `zone`."""
    day = monday + timedelta(days=weekday)
    return datetime.combine(day, at, tzinfo=zone)


def latest_due_week(now: datetime, weekday: int, at: time, zone: tzinfo) -> date:
    """The Monday of the most recent week whose update is due by `now` (an aware datetime):
    this week once its due moment has passed, else last week."""
    local = now.astimezone(zone)
    this_week = monday_of(local.date())
    if local >= due_at(this_week, weekday, at, zone):
        return this_week
    return this_week - WEEK
