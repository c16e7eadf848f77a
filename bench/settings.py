"""Settings for the benchmarks: the test settings, on an SQLite file (or PostgreSQL) that persists.

``BENCH_DATABASE=/path/file.sqlite3`` picks the SQLite file; ``BACKORDERS_TEST_DATABASE_URL``
(as for the tests) runs on PostgreSQL instead.
"""

import os

from tests.settings import *  # noqa: F403

if not os.environ.get("BACKORDERS_TEST_DATABASE_URL"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BENCH_DATABASE", "/tmp/oscar_backorders_bench.sqlite3"),
            "ATOMIC_REQUESTS": True,
        }
    }
