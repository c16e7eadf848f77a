"""Test settings: the sandbox shop, in memory, with fast hashing and synchronous email.

``BACKORDERS_TEST_DATABASE_URL=postgres://user:pass@127.0.0.1:5432/name`` runs the suite on
PostgreSQL instead of SQLite (the ``postgres`` marker's tests need it).
"""

import os
from urllib.parse import urlparse

from shop.settings import *  # noqa: F403

SECRET_KEY = "tests-only"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
MANAGERS = []  # the merchant's digest only where a test asks for it
# The test gateway with DEBUG off is an error for a shop, but these are test settings: commands
# run with them outside a test runner (``oscar_fork_app`` in the forked-plugin test) use it on
# purpose.
SILENCED_SYSTEM_CHECKS = ["oscar_backorders.E121"]

_db_url = os.environ.get("BACKORDERS_TEST_DATABASE_URL", "")
if _db_url:
    _u = urlparse(_db_url)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _u.path.lstrip("/"),
            "USER": _u.username or "",
            "PASSWORD": _u.password or "",
            "HOST": _u.hostname or "127.0.0.1",
            "PORT": str(_u.port or 5432),
            "ATOMIC_REQUESTS": True,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "ATOMIC_REQUESTS": True,
            "TEST": {"NAME": ":memory:"},
        }
    }
LOGGING = {"version": 1, "disable_existing_loggers": False}
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

if os.environ.get("BACKORDERS_TEST_WORKER"):
    # A real Celery worker started by a `redis` test: the test's database, a real broker, mail
    # written to files the test counts. Short visibility timeout so a killed worker's unacked
    # messages come back within seconds, not an hour.
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_BROKER_URL = os.environ["BACKORDERS_TEST_BROKER_URL"]
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 5}
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    EMAIL_BACKEND = "tests.backends.DurableFileBackend"
    BACKORDERS_NOTICE_EMAIL_HOOK = "tests.backends.stamp_attempt"
    # Seconds before a notice left "sending" by a killed worker is sent again: short, so the
    # tests see it within their time budget (a shop keeps the default, 15 minutes).
    BACKORDERS_NOTICE_SENDING_GRACE_SECONDS = int(
        os.environ.get("BACKORDERS_TEST_SENDING_GRACE", "900")
    )
    # Beat takeover tests: a short lease, so a standby takes over within seconds.
    if os.environ.get("BACKORDERS_TEST_BEAT_LEASE_SECONDS"):
        BACKORDERS_BEAT_LEASE_SECONDS = int(os.environ["BACKORDERS_TEST_BEAT_LEASE_SECONDS"])
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"console": {"class": "logging.StreamHandler"}},
        "loggers": {"oscar_backorders": {"handlers": ["console"], "level": "INFO"}},
    }
