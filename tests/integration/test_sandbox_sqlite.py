"""The sandbox's SQLite file, shared by web server, worker and beat, takes concurrent writers.

Two connections to one file, as two processes have: one holds the write lock for a moment while
the other reads and then writes in its own transaction. With SQLite's defaults the second one
fails with "database is locked" (a reader cannot wait to turn writer); with the sandbox's options
(WAL, ``transaction_mode: IMMEDIATE``, a busy timeout) it waits for the lock and both commit.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from shop.settings import DATABASES, SQLITE_OPTIONS

HOLD_SECONDS = 0.5


def begin(connection):
    """Open a transaction as ``transaction.atomic()`` does (``BEGIN <transaction_mode>``)."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(connection):
    connection.commit()
    connection.set_autocommit(True)


def write_while_another_process_writes(path, options) -> Exception | None:
    """Returns the error the second writer met, if any."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}}
    )
    setup = handler["default"]
    setup.cursor().execute("CREATE TABLE IF NOT EXISTS counter (n integer)")
    holding = threading.Event()

    def first_writer() -> None:
        connection = handler["default"]  # its own connection: handlers are per thread
        begin(connection)
        connection.cursor().execute("INSERT INTO counter VALUES (1)")
        holding.set()
        time.sleep(HOLD_SECONDS)
        end(connection)
        connection.close()

    thread = threading.Thread(target=first_writer)
    thread.start()
    holding.wait()
    error = None
    try:
        begin(setup)
        cursor = setup.cursor()
        cursor.execute("SELECT count(*) FROM counter")
        cursor.execute("INSERT INTO counter VALUES (2)")
        end(setup)
    except OperationalError as exc:
        error = exc
        setup.rollback()
        setup.set_autocommit(True)
    thread.join()
    setup.close()
    return error


@pytest.fixture
def database_file(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        yield tmp_path / "shared.sqlite3"


def test_sandbox_uses_the_concurrent_sqlite_options():
    assert DATABASES["default"]["OPTIONS"] == SQLITE_OPTIONS
    assert SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in SQLITE_OPTIONS["init_command"]


def test_second_writer_waits_and_commits_when_processes_share_the_sandbox_file(database_file):
    assert write_while_another_process_writes(database_file, SQLITE_OPTIONS) is None
    check = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database_file)}}
    )["default"]
    assert check.cursor().execute("SELECT count(*) FROM counter").fetchone() == (2,)
    assert check.cursor().execute("PRAGMA journal_mode").fetchone() == ("wal",)
    check.close()


def test_second_writer_fails_with_sqlite_defaults(database_file):
    """The control: what the sandbox's worker met before (a busy timeout alone does not help)."""
    error = write_while_another_process_writes(database_file, {"timeout": 20})
    assert error is not None and "database is locked" in str(error)
