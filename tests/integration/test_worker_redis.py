"""A real Celery worker on Redis killed while its sends wait on the mail server: nothing is lost,
nothing is sent twice.

Needs PostgreSQL (the worker process shares the test database) and Redis
(``BACKORDERS_TEST_REDIS_URL``; ``make test`` starts both). The broker is database
``BACKORDERS_TEST_REDIS_DB`` (default 4) of that server, emptied before and after. The kill lands
before the mail server accepted anything: the notices are left *sending* and sent once after
their grace period. Kills at random moments, dropped database connections and a Redis restart
are in ``test_notification_faults.py``.
"""

from __future__ import annotations

import time

import pytest
from oscar.core.loading import get_model

from oscar_backorders.notifications import dispatch
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.workers import SEND, SWEEP, deliveries

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

Notice = get_model("oscar_backorders", "Notice")


def statuses(ids):
    return dict(Notice.objects.filter(pk__in=ids).values_list("pk", "status"))


def test_each_notice_sent_once_when_worker_is_killed_before_the_mail_server_accepted(
    transactional_db, broker, started, strategy, tmp_path
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

    worker = started.start(broker.url, mail_dir, log, mail_delay=4)
    for notice_id in notice_ids * 2:  # every message twice, as a redelivery would
        broker.send_task(SEND, args=[notice_id])
    # Two pool processes are now inside the slow mail server, their notices committed sending.
    worker.wait_for(lambda: worker.output().count("Sending email to") >= 2, what="sends")
    time.sleep(1)
    worker.kill()
    assert list(mail_dir.iterdir()) == []  # the killed sends never reached the mail server
    left = statuses(notice_ids)
    assert sorted(left.values()).count(NoticeStatus.SENDING) == 2
    assert set(left.values()) == {NoticeStatus.PENDING, NoticeStatus.SENDING}

    worker = started.start(broker.url, mail_dir, log, mail_delay=0)
    try:
        deadline = time.monotonic() + 60
        while set(statuses(notice_ids).values()) != {NoticeStatus.SENT}:
            assert time.monotonic() < deadline, statuses(notice_ids)
            broker.send_task(SWEEP)  # what beat does every minute
            time.sleep(1)
        time.sleep(7)  # let redelivered (visibility timeout) and duplicate messages run too
        assert set(statuses(notice_ids).values()) == {NoticeStatus.SENT}
    finally:
        worker.kill()
    assert deliveries(mail_dir) == dict.fromkeys(notice_ids, 1)
    assert sorted(Notice.objects.filter(pk__in=notice_ids).values_list("resends", flat=True)) == [
        0,
        0,
        0,
        0,
        1,
        1,
    ]
