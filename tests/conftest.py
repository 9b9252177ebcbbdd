import os
import threading
import weakref

import pytest
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from tests.smtp import smtp_server  # noqa: F401 (a fixture: a real local SMTP server)

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Real hashing costs a quarter of a second a user; the tests make hundreds."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def cast(db):
    from tests.cast import build_cast

    return build_cast()


@pytest.fixture
def login(client):
    """Sign the test client in as a user (force_login: sign-in itself is tested on its own)."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    """Longest first: tests marked `slow`, then the browser tests, then everything else. The
    xdist workers take tests in this order, so the run ends on many short tests and the workers
    finish together instead of one waiting while the other runs a minute-long test. The sort is
    stable, so pytest-django's order (database tests, then transactional ones, then the rest)
    holds within each group; nothing depends on it, as every test starts from the migrated
    database (below)."""

    def weight(item):
        if item.get_closest_marker("slow"):
            return 0
        if item.get_closest_marker("browser"):
            return 1
        return 2

    items.sort(key=weight)


# Every test starts from the migrated database ---------------------------------------------
#
# Migrating the test database leaves rows behind: the shipped curriculum (a data migration),
# content types and permissions, and whatever later apps install the same way. An ordinary
# database test runs in a transaction that is rolled back, so it leaves those rows as they were.
# A transactional test (`transactional_db`, `live_server`, `django_db(transaction=True)`) is
# cleaned up by a flush instead, which empties every table: whatever ran after it in the same
# process found no shipped data, so a test could pass or fail depending on what ran before it
# (and, with xdist, on which worker).
#
# So the first transactional test in a process copies every table that holds rows, inside the
# database itself, and after each transactional test's flush the tables are emptied again and
# the rows copied back. This is what Django's `serialized_rollback` is for, but that reloads the
# rows object by object through the ORM (about a second a test here); copying them with SQL
# takes milliseconds. The copies live in their own schema on PostgreSQL and in tables with a
# prefix on SQLite, where flush never looks: it empties only the tables of Django's models.

PRISTINE_SCHEMA = "pytest_pristine"
PRISTINE_PREFIX = "pytest_pristine__"
_restore_after = pytest.StashKey[object]()
_saved: dict[str, list[str]] = {}  # database alias -> tables copied


def is_transactional(item) -> bool:
    """Whether pytest-django cleans up after this test with a flush (the same rules it uses)."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        from pytest_django.fixtures import validate_django_db

        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    names = getattr(item, "fixturenames", ())
    return any(
        name in names for name in ("transactional_db", "live_server", "django_db_reset_sequences")
    )


def _copy_name(connection, table: str) -> str:
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        return f"{quote(PRISTINE_SCHEMA)}.{quote(table)}"
    return quote(PRISTINE_PREFIX + table)


def save_migrated_rows(connection) -> list[str]:
    """Copy every model table that holds rows; returns their names."""
    quote = connection.ops.quote_name
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    saved = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP SCHEMA IF EXISTS {quote(PRISTINE_SCHEMA)} CASCADE")
            cursor.execute(f"CREATE SCHEMA {quote(PRISTINE_SCHEMA)}")
        for table in sorted(tables):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")
            if not cursor.fetchone()[0]:
                continue
            copy = _copy_name(connection, table)
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
            cursor.execute(f"CREATE TABLE {copy} AS SELECT * FROM {quote(table)}")
            saved.append(table)
    return saved


def restore_migrated_rows(connection, saved: list[str]) -> None:
    """Empty every model table and put back the rows `save_migrated_rows` copied, in one
    transaction. Foreign keys are checked when it commits (Django declares them deferrable), so
    the order of the tables does not matter. Sequences are left alone: they are already past
    every copied id."""
    from django.conf import settings
    from django.db import transaction

    quote = connection.ops.quote_name
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # The flush that ended the test let post_migrate create content types and permissions
        # again, under new ids. DELETE, not the flush's TRUNCATE: most tables are empty, and
        # PostgreSQL truncates even an empty table the slow way.
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table in saved:
            cursor.execute(
                f"INSERT INTO {quote(table)} SELECT * FROM {_copy_name(connection, table)}"
            )
    # What was remembered about the emptied rows: content types looked up by post_migrate (under
    # the ids just deleted), and the database cache (sign-in rate limits, used two-factor
    # codes), which is a table of its own that flush leaves alone.
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches

    ContentType.objects.clear_cache()
    for alias, config in settings.CACHES.items():
        if config["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
            caches[alias].clear()


def _test_databases():
    from django.db import connections

    return [connections[alias] for alias in connections]


_opened = weakref.WeakSet()  # every connection the main thread has opened


@receiver(connection_created, dispatch_uid="tests.conftest.remember_connection")
def _remember_connection(sender, connection, **kwargs):
    if threading.current_thread() is threading.main_thread():
        _opened.add(connection)


@pytest.fixture(scope="session")
def _close_every_connection(django_db_setup):
    """Close, before the test databases are destroyed, every connection the main thread opened.
    Django keeps a connection per context, and Playwright's sync API runs the tests' code in
    another context once the browser has started: a connection opened before that (say by a
    database test) and one opened after it are two, Django's teardown closes only the one it
    sees, and PostgreSQL will not drop a database still in use."""
    yield
    for connection in list(_opened):
        connection.close()


@pytest.fixture(autouse=True)
def _start_from_the_migrated_database(request):
    """For a transactional test: copy the migrated rows if this process has not yet, and ask
    for them back once the test's flush is done (see pytest_runtest_teardown below)."""
    if not is_transactional(request.node):
        yield
        return
    request.getfixturevalue("_close_every_connection")
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        for connection in _test_databases():
            if connection.alias not in _saved:
                _saved[connection.alias] = save_migrated_rows(connection)
    request.node.stash[_restore_after] = blocker
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # Runs around every fixture's teardown, so the flush is over by the time this goes on.
    try:
        return (yield)
    finally:
        blocker = item.stash.get(_restore_after, None)
        # With no next item the test databases are being destroyed: nothing to put back.
        if blocker is not None and nextitem is not None:
            with blocker.unblock():
                for connection in _test_databases():
                    if connection.alias in _saved:
                        restore_migrated_rows(connection, _saved[connection.alias])
