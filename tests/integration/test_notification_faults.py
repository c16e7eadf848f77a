"""Notices under real faults: real ``celery worker`` processes on PostgreSQL and Redis, a mail
server that takes a few milliseconds and keeps every message it accepts (one fsynced file per
delivery, ``tests.backends.DurableFileBackend``), faults injected while a few hundred notices go
out.

- The worker's process group SIGKILLed at random moments, several times: no notice lost; a
  notice is delivered twice only when a kill landed between the mail server's accept and the
  "sent" mark, and the test counts exactly those.
- The worker's PostgreSQL connections terminated mid-send (``pg_terminate_backend``): no notice
  lost, none delivered twice.
- Redis (the broker) killed and started again 4 s later, its queue gone: none lost, none twice.

Each prints one line (run with ``-s``): fault, due, delivered, lost, duplicates, kills in the
accept window. ``BACKORDERS_FAULT_SEED`` repeats a run's random moments.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import time
from pathlib import Path

import pytest
from django.db import connection
from kombu.exceptions import OperationalError as BrokerError
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.workers import (
    SEND,
    SWEEP,
    RedisServer,
    accepted,
    deliveries,
    producer,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

Notice = get_model("oscar_backorders", "Notice")
Email = get_model("communication", "Email")

#: The mail server: seconds before it accepts a message, and after it accepted it until the send
#: returns (the rest of the SMTP session: QUIT, one round trip to a nearby server).
MAIL_DELAY, MAIL_AFTER = 0.005, 0.01


@pytest.fixture
def rng():
    seed = int(os.environ.get("BACKORDERS_FAULT_SEED") or time.time_ns() % 10**6)
    print(f"\nBACKORDERS_FAULT_SEED={seed}")
    return random.Random(seed)


@pytest.fixture
def notices(transactional_db, strategy):
    """``notices(n)``: ``n`` follow-ups due now about one waiting order, their ids. Every fourth
    goes to the customer's account address (Oscar keeps a copy in the account), the others to
    addresses of their own."""
    customer = UserFactory(email="ada@example.com")
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    order = place(basket_with(strategy, (product, 2), owner=customer), user=customer)

    def make(n: int) -> list[int]:
        Notice.objects.bulk_create(
            Notice(
                scope=f"order:{order.pk}",
                kind=NoticeKind.FOLLOW_UP,
                version=str(i),
                order=order,
                recipient="ada@example.com" if i % 4 == 0 else f"c{i}@example.com",
                status=NoticeStatus.PENDING,
                next_attempt_at=order.date_placed,
            )
            for i in range(n)
        )
        return list(Notice.objects.order_by("pk").values_list("pk", flat=True))

    return make


def all_sent(ids: list[int]) -> bool:
    return not Notice.objects.filter(pk__in=ids).exclude(status=NoticeStatus.SENT).exists()


def sweep_until_all_sent(broker, ids: list[int], *, timeout: float) -> None:
    """Act as beat (which sends the sweep every minute), every second, until all are sent."""
    deadline = time.monotonic() + timeout
    while not all_sent(ids):
        left = dict(
            Notice.objects.filter(pk__in=ids)
            .exclude(status=NoticeStatus.SENT)
            .values_list("pk", "status")
        )
        assert time.monotonic() < deadline, f"not sent in {timeout} s: {left}"
        # While the broker is down, beat's send fails too, and it tries again next time.
        with contextlib.suppress(BrokerError):
            broker.send_task(SWEEP)
        time.sleep(1)


def report(fault: str, ids: list[int], mail_dir: Path, *, window: int | None = None) -> dict:
    counts = deliveries(mail_dir)
    row = {
        "due": len(ids),
        "delivered": len(set(counts) & set(ids)),
        "lost": len(set(ids) - set(counts)),
        "duplicates": sum(c - 1 for c in counts.values()),
        "unknown": len(set(counts) - set(ids)),
    }
    print(
        f"FAULT {fault}: "
        + ", ".join(f"{k} {v}" for k, v in row.items())
        + ("" if window is None else f", kills in the accept window {window}")
    )
    return row


def test_worker_killed_at_random_moments_loses_nothing_and_resends_only_what_was_accepted_unmarked(
    broker, notices, rng, started, tmp_path
):
    ids = notices(240)
    kills = 5
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    # Kill after a random number of deliveries, then a random few milliseconds more: while
    # both pool processes are busy taking, sending and marking notices.
    thresholds = sorted(rng.sample(range(len(ids) // 10, len(ids) * 7 // 10), kills))
    in_window: set[tuple[int, int]] = set()
    for kill, threshold in enumerate(thresholds):
        worker = started.start(
            broker.url, mail_dir, log, mail_delay=MAIL_DELAY, mail_after=MAIL_AFTER
        )
        if kill == 0:
            for notice_id in ids:  # what enqueue() does when the notices are claimed
                broker.send_task(SEND, args=[notice_id])
        worker.wait_for(lambda t=threshold: len(accepted(mail_dir)) >= t, what=f"{threshold} sends")
        time.sleep(rng.uniform(0, 0.05))
        worker.kill()
        # A notice the worker left sending whose current attempt the mail server accepted: its
        # mark was never written, and it will be sent again.
        sending = set(
            Notice.objects.filter(pk__in=ids, status=NoticeStatus.SENDING).values_list(
                "pk", "attempts"
            )
        )
        in_window |= sending & set(accepted(mail_dir))

    worker = started.start(broker.url, mail_dir, log, mail_delay=MAIL_DELAY, mail_after=MAIL_AFTER)
    try:
        sweep_until_all_sent(broker, ids, timeout=120)
        time.sleep(6)  # redelivered messages (5 s visibility timeout) run too, and find it sent
        assert all_sent(ids)
    finally:
        worker.kill()
    row = report("worker SIGKILLed", ids, mail_dir, window=len(in_window))
    assert row["lost"] == row["unknown"] == 0
    assert row["duplicates"] == len(in_window) <= 2 * kills  # two pool processes per kill
    resent = sum(Notice.objects.filter(pk__in=ids).values_list("resends", flat=True))
    assert resent >= len(in_window)
    # The customer's account keeps one copy per notice sent to its address, as Oscar does.
    assert Email.objects.count() == len([i for i in range(len(ids)) if i % 4 == 0])


def terminate_other_connections() -> int:
    """``pg_terminate_backend`` every connection to the test database but the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def marks_retried(worker) -> int:
    """Sent marks that failed on a dropped connection after the mail server accepted."""
    return len(re.findall(r"^Notice \d+: writing its sent mark failed", worker.output(), re.M))


def test_database_connections_dropped_mid_send_lose_nothing_and_send_nothing_twice(
    broker, notices, rng, started, tmp_path
):
    ids = notices(200)
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    # A grace period longer than a few failed marks in a row (0.2 + 1 + 3 s ...), as a shop's is:
    # a notice whose mark is still being retried is never taken for abandoned.
    worker = started.start(
        broker.url, mail_dir, log, mail_delay=MAIL_DELAY, mail_after=MAIL_AFTER, grace=30
    )
    terminations = 0
    try:
        for notice_id in ids:
            broker.send_task(SEND, args=[notice_id])
        worker.wait_for(lambda: len(accepted(mail_dir)) >= 10, what="first sends")
        # At random moments while the notices go out, until at least 4 terminations hit the
        # worker and at least 2 of them fell between a send and its mark (the window where a
        # mark in the send's transaction used to fail and the sweep sent the notice again).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(accepted(mail_dir)) < len(ids) * 9 // 10:
            time.sleep(rng.uniform(0.1, 0.4))
            terminations += terminate_other_connections() > 0
            if terminations >= 12 or (terminations >= 4 and marks_retried(worker) >= 2):
                break
        sweep_until_all_sent(broker, ids, timeout=90)
        time.sleep(6)
        assert all_sent(ids)
    finally:
        worker.kill()
    row = report("PostgreSQL connections terminated", ids, mail_dir)
    print(f"  terminations {terminations}, sent marks written again {marks_retried(worker)}")
    assert terminations >= 4
    assert marks_retried(worker) >= 1
    assert row["lost"] == row["duplicates"] == row["unknown"] == 0


def test_redis_restarted_mid_send_loses_nothing_and_sends_nothing_twice(
    notices, rng, started, tmp_path
):
    ids = notices(100)
    stop_after = rng.randrange(15, 40)
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    server = RedisServer()
    try:
        with producer(server.url) as broker:
            worker = started.start(
                server.url, mail_dir, log, mail_delay=0.02, mail_after=MAIL_AFTER, grace=30
            )
            try:
                for notice_id in ids:
                    broker.send_task(SEND, args=[notice_id])
                worker.wait_for(lambda: len(accepted(mail_dir)) >= stop_after, what="sends")
                server.stop()  # SIGKILL: the queue and the unacked messages are gone
                time.sleep(4)
                server.start()
                sweep_until_all_sent(broker, ids, timeout=120)
                time.sleep(6)
                assert all_sent(ids)
            finally:
                worker.kill()
    finally:
        server.close()
    row = report("Redis killed for 4 s", ids, mail_dir)
    assert row["lost"] == row["duplicates"] == row["unknown"] == 0
