"""Dates in school terms: ages in completed months, academic years and summer-born pupils."""

from datetime import date


def age_in_months(born: date, on: date) -> int:
    """Age in completed months on a date. A birthday on the 29th-31st that a shorter month lacks
    is reached on that month's last day (born 31 January: one month old on 28 or 29 February)."""
    if on < born:
        raise ValueError("the date is before the date of birth")
    months = (on.year - born.year) * 12 + (on.month - born.month)
    if on.day < born.day and not _is_last_day(on):
        months -= 1
    return months


def age_years_months(born: date, on: date) -> tuple[int, int]:
    months = age_in_months(born, on)
    return months // 12, months % 12


def _is_last_day(day: date) -> bool:
    from calendar import monthrange

    return day.day == monthrange(day.year, day.month)[1]


def academic_year_start(day: date, first_month: int = 9) -> int:
    """The calendar year in which the academic year holding `day` began (September by default;
    August in Scotland)."""
    return day.year if day.month >= first_month else day.year - 1


def is_summer_born(born: date) -> bool:
    """Born 1 April to 31 August: the youngest in an English school year."""
    return 4 <= born.month <= 8


def national_curriculum_year(born: date, academic_year: int) -> int:
    """The English year group a child born on `born` is in during the academic year starting in
    September of `academic_year`: 0 is Reception, -1 Nursery, 1 to 13 Years 1 to 13."""
    cohort = academic_year_start(born)
    return academic_year - cohort - 5


def scottish_stage(born: date, session: int) -> int:
    """The Scottish primary stage (1 = P1) of a child born on `born` in the session starting in
    August of `session`. Children born from March to the next February start P1 together."""
    cohort = born.year if born.month >= 3 else born.year - 1
    return session - cohort - 4
