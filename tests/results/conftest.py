"""Shared fixtures for the results tests: the cast's school already has the shipped
definitions (installed when the school was created)."""

from datetime import date

import pytest

from nextsteps.results import services
from nextsteps.results.models import AssessmentDefinition


def sitting_day(cast) -> date:
    """12 May of the cast's current academic year: Amara is 8 years 7 months (103 months)
    old that day and Bartholomew 8 years 10 months (106)."""
    return date(cast.year.start_date.year + 1, 5, 12)


def norm_rows(first_age=96, last_age=119, top=35):
    """A made-up norm table: standardised = 70 + 2 x raw, less one for every six months of
    age over 8 years."""
    return [
        {
            "age_years": age // 12,
            "age_months": age % 12,
            "raw": raw,
            "standardised": 70 + 2 * raw - (age - 96) // 6,
        }
        for age in range(first_age, last_age + 1)
        for raw in range(0, top + 1)
    ]


@pytest.fixture
def definition_of(cast):
    def get(code: str) -> AssessmentDefinition:
        return AssessmentDefinition.objects.get(school=cast.school, code=code)

    return get


@pytest.fixture
def sitting_of(cast, definition_of):
    """A sitting of a shipped definition on the test day (overridable)."""

    def make(code: str, **options):
        options.setdefault("date", sitting_day(cast))
        return services.create_sitting(definition_of(code), by=cast.leader, **options)

    return make


@pytest.fixture
def reading_table(cast, definition_of):
    definition = definition_of("standardised-reading")
    definition.max_mark = 40
    definition.save()
    return services.load_norm_table(
        definition, rows=norm_rows(), by=cast.leader, name="Reading, spring"
    )
