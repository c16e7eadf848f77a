"""Exactly once with a real Celery worker on Redis, including a worker killed mid-send.

Needs PostgreSQL (the worker process shares the test database) and Redis
(``BACKORDERS_TEST_REDIS_URL``; ``make test`` starts both). The broker is database
``BACKORDERS_TEST_REDIS_DB`` (default 4) of that server, emptied before and after.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from celery import Celery
from django.db import connection
from oscar.core.loading import get_model

from oscar_backorders.notifications import dispatch
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = os.environ.get("BACKORDERS_TEST_REDIS_DB", "4")
Notice = get_model("oscar_backorders", "Notice")
SEND = "oscar_backorders.notifications.tasks.send_notice"
SWEEP = "oscar_backorders.notifications.tasks.dispatch_due_notices"


@pytest.fixture
def broker(redis_url):
    """A Celery producer on the test Redis server's database ``REDIS_DB``, empty."""
    import redis

    url = urlunparse(urlparse(redis_url)._replace(path=f"/{REDIS_DB}"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    producer = Celery("producer", broker=url)
    producer.url = url
    yield producer
    producer.close()
    client.flushdb()


class Worker:
    def __init__(self, broker_url: str, mail_dir: Path, log: Path, *, mail_delay: float) -> None:
        db = connection.settings_dict
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
                "BACKORDERS_TEST_WORKER": "1",
                "BACKORDERS_TEST_BROKER_URL": broker_url,
                "BACKORDERS_TEST_MAIL_DIR": str(mail_dir),
                "BACKORDERS_TEST_MAIL_DELAY": str(mail_delay),
                "BACKORDERS_TEST_DATABASE_URL": (
                    f"postgres://{quote(db['USER'] or '')}"
                    f"{':' + quote(db['PASSWORD']) if db['PASSWORD'] else ''}"
                    f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
                ),
            }
        )
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "shop",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"notify-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for(lambda: "ready." in log.read_text(errors="replace"), what="worker ready")

    def wait_for(self, condition, *, what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited: {self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no chance to ack, reject or clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def mails_by_recipient(mail_dir: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                counts[message["To"]] = counts.get(message["To"], 0) + 1
    return counts


def statuses(ids):
    return dict(Notice.objects.filter(pk__in=ids).values_list("pk", "status"))


def test_each_notice_sent_exactly_once_when_worker_is_killed_mid_send(
    transactional_db, broker, strategy, tmp_path
):
    notice_ids = []
    for n in range(6):
        product = stocked_product(num_in_stock=0)
        order = place(
            basket_with(strategy, (product, 1)), number=f"R{n}", guest_email=f"r{n}@example.com"
        )
        notice = dispatch.claim(
            scope=f"order:{order.pk}",
            kind=NoticeKind.FOLLOW_UP,
            version="1",
            order=order,
            recipient=f"r{n}@example.com",
        )
        notice_ids.append(notice.pk)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"

    worker = Worker(broker.url, mail_dir, log, mail_delay=4)
    for notice_id in notice_ids * 2:  # every message twice, as a redelivery would
        broker.send_task(SEND, args=[notice_id])
    # Two pool processes are now inside the slow mail backend, holding their notice rows.
    worker.wait_for(lambda: log.read_text().count("Sending email to") >= 2, what="sends")
    time.sleep(1)
    worker.kill()
    assert list(mail_dir.iterdir()) == []  # the killed sends never reached the backend
    assert set(statuses(notice_ids).values()) == {NoticeStatus.PENDING}

    worker = Worker(broker.url, mail_dir, log, mail_delay=0)
    try:
        broker.send_task(SWEEP)  # what beat does every minute
        worker.wait_for(
            lambda: set(statuses(notice_ids).values()) == {NoticeStatus.SENT},
            what="every notice sent",
        )
        time.sleep(7)  # let redelivered (visibility timeout) and duplicate messages run too
        assert set(statuses(notice_ids).values()) == {NoticeStatus.SENT}
    finally:
        worker.kill()
    assert mails_by_recipient(mail_dir) == {f"r{n}@example.com": 1 for n in range(6)}
