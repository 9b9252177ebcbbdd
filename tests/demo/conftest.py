"""A small demo built once for the tests of a module that only read it.

The build runs inside a transaction held open for the module's tests; each test's own
transaction nests inside it (a savepoint), and the whole build is rolled back when the module's
tests are done, so no other test sees it."""

import pytest
from django.db import transaction

from nextsteps import demo

SMALL = {"pupils_per_school": 35, "years": 1}


class _Undo(Exception):
    pass


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    """The summary of a small demo (SMALL, today's date, the default seed)."""
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                summary = demo.build(**SMALL)
                yield summary
                raise _Undo
        except _Undo:
            pass
