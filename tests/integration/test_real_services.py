"""The real services CI provides are really there (so the marked tests prove what they claim)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.django_db
def test_suite_runs_on_postgresql_when_the_postgres_marker_runs():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


@pytest.mark.redis
def test_a_celery_worker_answers_through_redis_when_started_on_it(redis_url, tmp_path):
    from celery import Celery

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))},
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "SANDBOX_VAR_DIR": str(tmp_path),
        "DATABASE_NAME": str(tmp_path / "db.sqlite3"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
    }
    name = f"probe-{os.getpid()}@localhost"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo", "-n", name]
        + ["--without-mingle", "--without-gossip", "--loglevel=WARNING"],
        cwd=ROOT / "sandbox",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    client = Celery("probe", broker=redis_url, set_as_current=False)
    try:
        replies = []
        deadline = time.monotonic() + 60
        while not replies and time.monotonic() < deadline and worker.poll() is None:
            replies = client.control.ping(destination=[name], timeout=1.0)
        assert replies, (
            f"no reply from the worker: {worker.stderr.read1().decode() if worker.poll() is not None else 'still silent'}"
        )
        assert name in replies[0]
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        client.close()
