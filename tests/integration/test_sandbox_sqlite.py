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
    """Returns the error the second writer met, if any.

    Each writer runs in a thread of its own, with its own connection (connection handlers are
    per thread), as two processes would; the test's thread only waits.
    """
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}}
    )
    holding = threading.Event()
    errors: list[Exception] = []

    def first_writer() -> None:
        connection = handler["default"]
        connection.cursor().execute("CREATE TABLE IF NOT EXISTS counter (n integer)")
        begin(connection)
        connection.cursor().execute("INSERT INTO counter VALUES (1)")
        holding.set()
        time.sleep(HOLD_SECONDS)
        end(connection)
        connection.close()

    def second_writer() -> None:
        connection = handler["default"]
        holding.wait()
        try:
            begin(connection)
            cursor = connection.cursor()
            cursor.execute("SELECT count(*) FROM counter")
            cursor.execute("INSERT INTO counter VALUES (2)")
            end(connection)
        except OperationalError as exc:
            errors.append(exc)
            connection.rollback()
            connection.set_autocommit(True)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_writer), threading.Thread(target=second_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors[0] if errors else None


def rows_and_journal_mode(path) -> tuple[int, str]:
    result: list[tuple[int, str]] = []

    def read() -> None:
        connection = ConnectionHandler(
            {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
        )["default"]
        cursor = connection.cursor()
        rows = cursor.execute("SELECT count(*) FROM counter").fetchone()[0]
        result.append((rows, cursor.execute("PRAGMA journal_mode").fetchone()[0]))
        connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=60)
    return result[0]


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
    assert rows_and_journal_mode(database_file) == (2, "wal")


def test_second_writer_fails_with_sqlite_defaults(database_file):
    """The control: what the sandbox's worker met before (a busy timeout alone does not help)."""
    error = write_while_another_process_writes(database_file, {"timeout": 20})
    assert error is not None and "database is locked" in str(error)
