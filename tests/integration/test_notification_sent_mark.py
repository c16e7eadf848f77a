"""A notice the mail server accepted is never sent twice because its "sent" mark failed to write.

With the sandbox's web server, worker and beat on one SQLite file, a worker hit "database is
locked" while marking a delay email sent; the notice stayed pending and the sweep sent it again.
These tests fail that write (the statement itself, as the database would) and count the emails.
A mark that never sticks leaves the notice *sending*: it is sent again only after its grace
period, with the same Message-ID, and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.notifications import dispatch
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from oscar_backorders.notifications.tasks import dispatch_due_notices
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

Notice = get_model("oscar_backorders", "Notice")
Email = get_model("communication", "Email")


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr(dispatch, "MARK_SENT_RETRY_DELAYS", (0, 0, 0, 0))


@contextmanager
def database_locked(
    statement: str, table: str, *, times: int, writing: str | None = None
) -> Iterator[list[str]]:
    """The next ``times`` ``statement``s on ``table`` (that write the value ``writing``, when
    given) fail as on a busy SQLite file."""
    failed: list[str] = []

    def fail(execute, sql, params, many, context):
        matches = sql.startswith(statement) and table in sql
        if matches and writing is not None:
            matches = writing in (params or ())
        if len(failed) < times and matches:
            failed.append(sql)
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield failed


@pytest.fixture
def notice(strategy, today):
    customer = UserFactory(email="ada@example.com")
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    order = place(basket_with(strategy, (product, 1), owner=customer), user=customer)
    mail.outbox.clear()
    return dispatch.claim(
        scope=f"order:{order.pk}",
        kind=NoticeKind.FOLLOW_UP,
        version="1",
        order=order,
        recipient="ada@example.com",
    )


def test_notice_sent_once_when_writing_its_sent_mark_fails_once(notice):
    with database_locked(
        "UPDATE", Notice._meta.db_table, times=1, writing=NoticeStatus.SENT
    ) as failed:
        assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    assert len(failed) == 1
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)
    assert notice.date_sent is not None
    assert dispatch_due_notices() == 0  # the sweep finds nothing left to send
    assert len(mail.outbox) == 1


def test_notice_sent_once_when_its_sent_mark_fails_on_the_first_retries_too(notice):
    with database_locked("UPDATE", Notice._meta.db_table, times=3, writing=NoticeStatus.SENT):
        assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT
    assert dispatch_due_notices() == 0
    assert len(mail.outbox) == 1


def test_notice_sent_once_when_oscar_fails_to_keep_its_copy_for_the_customer(notice):
    with database_locked("INSERT", Email._meta.db_table, times=1) as failed:
        assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    assert len(failed) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.last_error) == (NoticeStatus.SENT, "")
    assert dispatch_due_notices() == 0
    assert len(mail.outbox) == 1


def test_notice_left_sending_and_resent_only_after_its_grace_when_its_mark_never_sticks(
    notice, settings
):
    with (
        database_locked("UPDATE", Notice._meta.db_table, times=99, writing=NoticeStatus.SENT),
        pytest.raises(OperationalError),
    ):
        dispatch.send_notice(notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.resends) == (NoticeStatus.SENDING, 1, 0)
    assert len(mail.outbox) == 1
    assert dispatch_due_notices() == 0  # within its grace period: another worker may be on it
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENDING
    assert len(mail.outbox) == 1

    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())  # grace is over
    assert dispatch_due_notices() == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.resends) == (NoticeStatus.SENT, 2, 1)
    first, again = mail.outbox
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert first.message()["Message-ID"] == again.message()["Message-ID"]


def test_database_error_before_the_mail_server_is_reached_sends_nothing(notice, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(dispatch, "_locked", locked)
    with pytest.raises(OperationalError):
        dispatch.send_notice(notice.pk)
    assert mail.outbox == []
    monkeypatch.undo()
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT  # the next run sends it
    assert len(mail.outbox) == 1
