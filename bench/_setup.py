"""Start Django for a benchmark: the test settings, a fresh database, no migrations (like pytest).

SQLite in memory by default; ``BACKORDERS_TEST_DATABASE_URL`` selects PostgreSQL as in the tests.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _NoMigrations(dict):
    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: str) -> None:
        return None


@contextlib.contextmanager
def django_test_database(*, name_suffix: str = "") -> Iterator[None]:
    """A fresh test database for the duration (``name_suffix``: so it cannot be another's)."""
    for path in (ROOT, ROOT / "sandbox"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.MIGRATION_MODULES = _NoMigrations()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    if name_suffix and connection.vendor != "sqlite":
        test = connection.settings_dict.setdefault("TEST", {})
        test["NAME"] = (
            f"{test.get('NAME') or 'test_' + connection.settings_dict['NAME']}_{name_suffix}"
        )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
