"""The outbox's states: *sending* is committed before the mail server is contacted, the send runs
outside any transaction, a notice left *sending* is sent again only after its grace period, with
the same Message-ID, and counted; every email carries its notice's Message-ID and passes the
shop's hook."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.notifications import dispatch
from oscar_backorders.notifications import mail as notice_mail
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from oscar_backorders.notifications.tasks import dispatch_due_notices
from tests.backends import ObservedBackend
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

Notice = get_model("oscar_backorders", "Notice")
Email = get_model("communication", "Email")

hooked: list[tuple[str, int, str]] = []


def remember_key(email, *, notice, key):
    """A shop's ``BACKORDERS_NOTICE_EMAIL_HOOK``: here it only writes the key down."""
    email.extra_headers["X-Idempotency-Key"] = key
    hooked.append((email.extra_headers["Message-ID"], notice.pk, key))


def broken_hook(email, *, notice, key):
    raise ValueError("the provider's client is not configured")


def claim_for(order, recipient, version="1"):
    return dispatch.claim(
        scope=f"order:{order.pk}",
        kind=NoticeKind.FOLLOW_UP,
        version=version,
        order=order,
        recipient=recipient,
    )


@pytest.fixture
def customer():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def order(strategy, today, customer):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    order = place(basket_with(strategy, (product, 1), owner=customer), user=customer)
    mail.outbox.clear()
    return order


def leave_sending(notice):
    """As a worker killed between the take and the mark: committed *sending*, still in grace."""
    grace = timezone.now() + timezone.timedelta(minutes=15)
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.SENDING, attempts=1, next_attempt_at=grace
    )


def test_notice_is_committed_as_sending_before_the_mail_server_is_contacted(order, settings):
    settings.EMAIL_BACKEND = "tests.backends.ObservedBackend"
    notice = claim_for(order, "ada@example.com")
    seen = []
    ObservedBackend.on_send = lambda messages: seen.append(
        (
            Notice.objects.get(pk=notice.pk).status,
            connection.in_atomic_block and len(connection.savepoint_ids),
        )
    )
    try:
        assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    finally:
        ObservedBackend.on_send = None
    # The test itself runs in a transaction; the send adds no savepoint of its own to it.
    assert seen == [(NoticeStatus.SENDING, 0)]
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT


def test_mail_session_ends_only_after_the_notice_is_marked_sent(order, settings):
    settings.EMAIL_BACKEND = "tests.backends.ObservedBackend"
    notice = claim_for(order, "ada@example.com")
    seen = []
    ObservedBackend.on_close = lambda: seen.append(Notice.objects.get(pk=notice.pk).status)
    try:
        assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    finally:
        ObservedBackend.on_close = None
    # SMTP's QUIT is one more round trip: a worker dying in it must find its notice marked.
    assert seen == [NoticeStatus.SENT]


def test_notice_sent_when_ending_the_mail_session_fails(order, settings):
    settings.EMAIL_BACKEND = "tests.backends.ObservedBackend"
    notice = claim_for(order, "ada@example.com")

    def hang_up():
        raise ConnectionResetError("server hung up")

    ObservedBackend.on_close = hang_up
    try:
        assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    finally:
        ObservedBackend.on_close = None
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT
    assert len(mail.outbox) == 1


def test_every_send_of_a_notice_has_its_message_id_and_other_notices_another(order):
    first, second = claim_for(order, "ada@example.com"), claim_for(order, "ada@example.com", "2")
    dispatch.send_notice(first.pk)
    dispatch.send_notice(second.pk)
    ids = [message.message()["Message-ID"] for message in mail.outbox]
    assert ids == [notice_mail.message_id(first), notice_mail.message_id(second)]
    assert ids[0] != ids[1]
    assert ids[0].startswith(f"<backorder-notice-{first.pk}-")
    assert ids[0].endswith("@example.com>")  # the domain of OSCAR_FROM_EMAIL


def test_hook_gets_every_notice_email_with_its_idempotency_key(order, settings):
    settings.BACKORDERS_NOTICE_EMAIL_HOOK = f"{__name__}.remember_key"
    hooked.clear()
    notice = claim_for(order, "ada@example.com")
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    key = notice_mail.idempotency_key(notice)
    assert hooked == [(notice_mail.message_id(notice), notice.pk, key)]
    assert mail.outbox[0].message()["X-Idempotency-Key"] == key


def test_hook_that_fails_is_retried_like_a_template_and_sends_nothing(order, settings):
    settings.BACKORDERS_NOTICE_EMAIL_HOOK = f"{__name__}.broken_hook"
    notice = claim_for(order, "ada@example.com")
    assert dispatch.send_notice(notice.pk) == NoticeStatus.PENDING
    notice.refresh_from_db()
    assert (notice.attempts, mail.outbox) == (1, [])
    assert notice.last_error == "ValueError: the provider's client is not configured"


def test_oscar_keeps_one_copy_in_the_customers_account(order, customer):
    notice = claim_for(order, "ada@example.com")
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    copies = Email.objects.filter(user=customer)
    assert [c.subject for c in copies] == [mail.outbox[0].subject]


def test_no_copy_in_an_account_when_the_notice_goes_to_another_address(order):
    notice = claim_for(order, "someone.else@example.com")
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    assert not Email.objects.exists()
    assert mail.outbox[0].to == ["someone.else@example.com"]


def test_notice_left_sending_is_left_alone_within_its_grace_period(order):
    notice = claim_for(order, "ada@example.com")
    leave_sending(notice)
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENDING
    assert dispatch_due_notices() == 0
    assert mail.outbox == []


def test_notice_left_sending_is_sent_again_after_its_grace_with_the_same_message_id(order):
    notice = claim_for(order, "ada@example.com")
    leave_sending(notice)
    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now())
    assert dispatch_due_notices() == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.resends) == (NoticeStatus.SENT, 2, 1)
    assert mail.outbox[0].message()["Message-ID"] == notice_mail.message_id(notice)


def test_notice_left_sending_too_often_is_marked_failed_not_sent(order, settings):
    settings.BACKORDERS_NOTICE_MAX_ATTEMPTS = 3
    notice = claim_for(order, "ada@example.com")
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.SENDING, attempts=3, next_attempt_at=timezone.now()
    )
    assert dispatch.send_notice(notice.pk) == NoticeStatus.FAILED
    notice.refresh_from_db()
    assert "stopped worker 3 times" in notice.last_error
    assert mail.outbox == []


def test_notice_another_worker_took_meanwhile_is_not_sent_twice(order, monkeypatch):
    notice = claim_for(order, "ada@example.com")
    render = dispatch.render

    def render_while_another_worker_takes_it(n):
        messages = render(n)
        Notice.objects.filter(pk=n.pk).update(status=NoticeStatus.SENDING, attempts=1)
        return messages

    # SQLite has no row locks: the take is still conditional on what it read.
    monkeypatch.setattr(dispatch, "render", render_while_another_worker_takes_it)
    assert dispatch.send_notice(notice.pk) == "busy"
    assert mail.outbox == []


def test_sweep_goes_on_after_a_database_error_on_one_notice(order, monkeypatch):
    notices = [claim_for(order, "ada@example.com", str(n)) for n in range(3)]
    take = dispatch._take
    failed = []

    def take_failing_once(notice_id, **kwargs):
        if not failed:
            failed.append(notice_id)
            raise OperationalError("terminating connection due to administrator command")
        return take(notice_id, **kwargs)

    monkeypatch.setattr(dispatch, "_take", take_failing_once)
    assert dispatch_due_notices() == 2
    assert failed == [notices[0].pk]
    assert Notice.objects.get(pk=notices[0].pk).status == NoticeStatus.PENDING
    assert dispatch_due_notices() == 1  # the next sweep sends it
    assert len(mail.outbox) == 3


def test_sweep_stops_at_a_second_database_error_in_a_row(order, monkeypatch):
    for n in range(3):
        claim_for(order, "ada@example.com", str(n))

    def take_failing(notice_id, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(dispatch, "_take", take_failing)
    with pytest.raises(OperationalError):
        dispatch_due_notices()
    assert mail.outbox == []
