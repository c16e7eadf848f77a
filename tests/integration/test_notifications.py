"""Customer and merchant notices: claimed once, sent once, retried, in the customer's language."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db.models import F
from django.test import override_settings
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services, signals
from oscar_backorders.notifications import dispatch, scans
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from oscar_backorders.notifications.tasks import dispatch_due_notices
from tests.backends import FlakyBackend
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

Notice = get_model("oscar_backorders", "Notice")
NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def batch_window(settings):
    """Five minutes of quiet before a batch is told (whatever the sandbox settings say)."""
    settings.BACKORDERS_NOTICE_BATCH_SECONDS = 300


def at(**delta):
    """Travel to ``NOW + delta`` (nested inside the frozen ``today`` fixture)."""
    return time_machine.travel(NOW + dt.timedelta(**delta), tick=False)


def run_all():
    """What beat does: every scan, then the sweep. Returns the mails sent by this run."""
    before = len(mail.outbox)
    scans.scan_order_events()
    scans.scan_overruns()
    scans.scan_follow_ups()
    scans.grant_compensation()
    scans.claim_merchant_digest()
    dispatch_due_notices()
    return mail.outbox[before:]


@pytest.fixture
def customer():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def order(strategy, today, customer):
    """An order of five products, nothing in stock: five backordered lines."""
    products = [stocked_product(num_in_stock=0, lead_time_days=10) for _ in range(5)]
    order = place(basket_with(strategy, *[(p, 2) for p in products], owner=customer), user=customer)
    mail.outbox.clear()
    return order


def lines(order):
    return list(BackorderLine.objects.filter(order=order).order_by("pk"))


def promise_generously(order, days=30):
    """As a shop that promised more time at checkout than the date it told the customer since:
    later dates may stay within the promise."""
    BackorderLine.objects.filter(order=order).update(
        promised_date=F("estimated_date") + dt.timedelta(days=days),
        told_date=F("estimated_date"),
    )


def test_one_email_when_five_lines_change_estimate_together(order):
    promise_generously(order)
    for line in lines(order):
        services.set_estimate(line.pk, line.estimated_date + dt.timedelta(days=3), reason="late")
    with at(minutes=1):
        early = run_all()
        assert [(m.subject, m.to) for m in early] == []  # not settled yet
    with at(minutes=10):
        sent = run_all()
    assert len(sent) == 1
    assert sent[0].to == ["ada@example.com"]
    for line in lines(order):
        assert line.line.title in sent[0].body
    html = {mime: body for body, mime in sent[0].alternatives}["text/html"]
    assert lines(order)[0].line.title in html
    with at(minutes=20):
        assert run_all() == []  # exactly once under repeated runs
        assert run_all() == []
    assert Notice.objects.filter(kind=NoticeKind.ESTIMATE_CHANGED).count() == 1


def test_second_change_makes_second_email_when_it_comes_after_the_first_was_sent(order):
    promise_generously(order)
    line = lines(order)[0]
    services.set_estimate(line.pk, line.estimated_date + dt.timedelta(days=3), reason="late")
    with at(minutes=10):
        assert len(run_all()) == 1
        services.set_estimate(line.pk, line.estimated_date + dt.timedelta(days=9), reason="later")
    with at(minutes=30):
        sent = run_all()
    assert len(sent) == 1
    assert Notice.objects.filter(kind=NoticeKind.ESTIMATE_CHANGED).count() == 2


def test_earlier_estimate_not_told_when_earlier_dates_are_off(order):
    line = lines(order)[0]
    services.set_estimate(line.pk, line.estimated_date - dt.timedelta(days=2), reason="early")
    with at(minutes=10):
        assert run_all() == []
    assert Notice.objects.get(kind=NoticeKind.ESTIMATE_CHANGED).status == NoticeStatus.SKIPPED


@override_settings(BACKORDERS_NOTIFY_EARLIER_ESTIMATES=True)
def test_earlier_estimate_told_when_earlier_dates_are_on(order):
    line = lines(order)[0]
    services.set_estimate(line.pk, line.estimated_date - dt.timedelta(days=2), reason="early")
    with at(minutes=10):
        sent = run_all()
    assert len(sent) == 1
    assert "sooner" in sent[0].subject


@override_settings(EMAIL_BACKEND="tests.backends.FlakyBackend")
def test_failed_send_is_retried_with_backoff_and_not_duplicated(order):
    promise_generously(order)
    line = lines(order)[0]
    services.set_estimate(line.pk, line.estimated_date + dt.timedelta(days=3), reason="late")
    FlakyBackend.failures = 2
    with at(minutes=10):
        assert run_all() == []
        notice = Notice.objects.get(kind=NoticeKind.ESTIMATE_CHANGED)
        assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 1)
        assert "SMTP server unavailable" in notice.last_error
        assert notice.next_attempt_at == NOW + dt.timedelta(minutes=10, seconds=60)
        assert run_all() == []  # not due again yet
    with at(minutes=11):
        assert run_all() == []  # second failure: backoff doubles
        notice.refresh_from_db()
        assert notice.next_attempt_at == NOW + dt.timedelta(minutes=11, seconds=120)
    with at(minutes=14):
        assert len(run_all()) == 1
        assert run_all() == []
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 3)


@override_settings(EMAIL_BACKEND="tests.backends.FlakyBackend", BACKORDERS_NOTICE_MAX_ATTEMPTS=2)
def test_notice_marked_failed_when_attempts_run_out(order):
    promise_generously(order)
    line = lines(order)[0]
    services.set_estimate(line.pk, line.estimated_date + dt.timedelta(days=3), reason="late")
    FlakyBackend.failures = 5
    with at(minutes=10):
        run_all()
    with at(minutes=20):
        run_all()
    with at(hours=5):
        assert run_all() == []
    notice = Notice.objects.get(kind=NoticeKind.ESTIMATE_CHANGED)
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 2)
    FlakyBackend.failures = 0


def test_claim_returns_nothing_when_the_notice_was_claimed_before(order):
    first = dispatch.claim(scope="order:1", kind=NoticeKind.FOLLOW_UP, version="1", order=order)
    second = dispatch.claim(scope="order:1", kind=NoticeKind.FOLLOW_UP, version="1", order=order)
    assert first is not None and second is None
    assert Notice.objects.count() == 1


def test_send_does_nothing_when_notice_already_sent(order):
    notice = dispatch.claim(
        scope="order:x",
        kind=NoticeKind.FOLLOW_UP,
        version="1",
        order=order,
        recipient="ada@example.com",
    )
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    assert dispatch.send_notice(notice.pk) == NoticeStatus.SENT
    assert len(mail.outbox) == 1


def test_follow_up_sent_once_per_period_while_lines_wait(order):
    with at(days=13):
        assert run_all() == []
    with at(days=14):
        sent = run_all()
        assert len(sent) == 1
        assert "/backorders/notifications/unsubscribe/" in sent[0].body
        assert run_all() == []
    with at(days=28):  # the promised date has passed too: a delay notice comes as well
        follow_ups = [m for m in run_all() if "your backordered items" in m.subject]
        assert len(follow_ups) == 1


def test_follow_up_reads_a_pre_order_as_a_pre_order_not_as_waiting_for_stock(
    strategy, today, customer
):
    from oscar_backorders.abstract_models import PolicyMode

    preorder = stocked_product(
        num_in_stock=0, mode=PolicyMode.PREORDER, release_date=dt.date(2027, 1, 15)
    )
    preorder.title = "Atlas, first edition"
    preorder.save()
    backordered = stocked_product(num_in_stock=0, lead_time_days=10)
    basket = basket_with(strategy, (preorder, 1), (backordered, 2), owner=customer)
    place(basket, user=customer)
    mail.outbox.clear()
    with at(days=14):
        (follow_up,) = [m for m in run_all() if "your backordered items" in m.subject]
    for body in (follow_up.body, follow_up.alternatives[0][0]):
        assert "These items are still to come:" in body
        items = re.split(r"\n|</li>", body)
        preorder_line = next(x for x in items if "Atlas, first edition" in x)
        assert "pre-ordered, ships on release: " in preorder_line
        assert "waiting for stock" not in preorder_line
        assert "waiting for stock, expected to ship by" in body


@override_settings(BACKORDERS_FOLLOW_UP_DAYS=None)
def test_no_follow_up_when_follow_ups_are_off(order):
    with at(days=30):
        assert [m for m in run_all() if "still to come" in m.body] == []


def test_follow_up_not_sent_when_customer_opted_out_by_the_link(order, client):
    with at(days=14):
        (first,) = run_all()
    path = re.search(r"https?://[^/\s]+(/backorders/notifications/unsubscribe/\S+/)", first.body)[1]
    assert "ada" not in path  # the link names a preference row, not the address
    assert client.get(path).status_code == 200
    assert NotificationPreference.objects.get(email="ada@example.com").follow_ups is True
    response = client.post(path)
    assert response.status_code == 200
    assert b"ada@example.com will no longer receive" in response.content
    assert NotificationPreference.objects.get(email="ada@example.com").follow_ups is False
    with at(days=28):
        assert [m for m in run_all() if "your backordered items" in m.subject] == []


def test_opt_out_checked_again_at_send_time(order):
    with at(days=14):
        scans.scan_follow_ups()
        NotificationPreference.objects.update_or_create(
            email="ada@example.com", defaults={"follow_ups": False}
        )
        dispatch_due_notices()
    assert mail.outbox == []
    assert Notice.objects.get(kind=NoticeKind.FOLLOW_UP).status == NoticeStatus.SKIPPED


def test_tampered_unsubscribe_link_refused_and_nothing_changed(client, db):
    from oscar_backorders.notifications.links import unsubscribe_token

    preference = NotificationPreference.objects.create(email="ada@example.com")
    token = unsubscribe_token(preference.pk)
    for bad in (token[:-2] + "xx", unsubscribe_token(preference.pk + 1), "nonsense"):
        response = client.post(f"/backorders/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400, bad
        assert b"not valid" in response.content
    preference.refresh_from_db()
    assert preference.follow_ups is True


def test_legally_required_notices_sent_when_customer_opted_out(order):
    NotificationPreference.objects.create(email="ada@example.com", follow_ups=False)
    line = lines(order)[0]
    services.set_estimate(line.pk, line.promised_date + dt.timedelta(days=5), reason="late")
    services.cancel_units(lines(order)[1].pk, 2, reason="discontinued")
    with at(minutes=10):
        sent = run_all()
    kinds = set(Notice.objects.filter(status=NoticeStatus.SENT).values_list("kind", flat=True))
    assert kinds == {NoticeKind.DELAY_OPTIONS, NoticeKind.CANCELLED}
    assert len(sent) == 2


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("nl", "nieuwe verwachte verzenddatum", "Hallo,"),
        ("zh-hans", "新的预计发货日期", "您好："),
        ("id", "perkiraan tanggal pengiriman baru", "Halo,"),
    ],
)
def test_notice_in_customer_language_when_they_checked_out_in_it(order, language, subject, body):
    promise_generously(order)
    NotificationPreference.objects.create(email="ada@example.com", language=language)
    line = lines(order)[0]
    services.set_estimate(line.pk, line.estimated_date + dt.timedelta(days=3), reason="late")
    with at(minutes=10):
        (sent,) = run_all()
    assert subject in sent.subject
    assert body in sent.body
    assert Notice.objects.get().language == language


def test_language_remembered_when_order_placed_in_a_language(
    strategy, today, customer, django_capture_on_commit_callbacks
):
    from django.utils import translation

    product = stocked_product(num_in_stock=0)
    with translation.override("id"), django_capture_on_commit_callbacks(execute=True):
        place(basket_with(strategy, (product, 1), owner=customer), user=customer)
    assert NotificationPreference.objects.get(email="ada@example.com").language == "id"


def test_new_checkout_language_kept_and_opt_out_untouched_when_customer_orders_again(
    strategy, today, customer, django_capture_on_commit_callbacks
):
    from django.utils import translation

    NotificationPreference.objects.create(email="ada@example.com", language="nl", follow_ups=False)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        place(basket_with(strategy, (stocked_product(), 1), owner=customer), user=customer)
    preference = NotificationPreference.objects.get(email="ada@example.com")
    assert (preference.language, preference.follow_ups) == ("zh-hans", False)


def test_ready_to_ship_then_shipped_each_told_once(order):
    # What the emails say about money: tests/integration/test_notification_money.py.
    line = lines(order)[0]
    services.allocate_units(line.pk, 2, reason="PO arrived")
    with at(minutes=10):
        (ready,) = run_all()
        assert "in stock" in ready.subject
        services.record_shipment(line.pk, 2)
    with at(minutes=20):
        (shipped,) = run_all()
    assert "shipped" in shipped.subject
    with at(minutes=30):
        assert run_all() == []


def test_shipped_notice_shows_price_of_shipped_units_when_no_payment_module(order):
    line = lines(order)[0]
    services.allocate_units(line.pk, 2, reason="PO arrived")
    services.record_shipment(line.pk, 2)
    with at(minutes=10):
        sent = run_all()
    shipped = [m for m in sent if "shipped" in m.subject]
    assert len(shipped) == 1
    assert "20.00" in shipped[0].body  # 2 × 10.00


def test_compensation_voucher_given_once_per_order(order):
    Voucher = get_model("voucher", "Voucher")
    with override_settings(BACKORDERS_COMPENSATION_AFTER_DAYS=20):
        with at(days=19):
            run_all()
            assert not Voucher.objects.exists()
        with at(days=20):
            sent = [m for m in run_all() if "patience" in m.subject]
            assert len(sent) == 1
        with at(days=40):
            run_all()
    (voucher,) = Voucher.objects.all()
    assert voucher.usage == Voucher.SINGLE_USE
    assert voucher.code in sent[0].body
    assert voucher.offers.get().benefit.value == Decimal("10")


def test_no_compensation_when_not_configured(order):
    with at(days=90):
        run_all()
    assert not Notice.objects.filter(kind=NoticeKind.COMPENSATION).exists()


@override_settings(MANAGERS=[("Shop", "shop@example.com")])
def test_merchant_digest_once_a_day_with_payment_and_supply_news(
    order, django_capture_on_commit_callbacks
):
    record = lines(order)[0].stockrecord
    signals.payment_capture_failed.send(
        sender=None, order=order, amount=Decimal("5"), error="card declined"
    )
    signals.reorder_point_reached.send(
        sender=None, stockrecord=record, available=1, reorder_point=3
    )
    signals.authorisation_expiring.send(
        sender=None, order=order, expires_at=NOW + dt.timedelta(days=2)
    )
    with at(hours=1):
        sent = [m for m in run_all() if m.to == ["shop@example.com"]]
        assert len(sent) == 1
        assert "card declined" in sent[0].body
        assert "New backordered lines: 5" in sent[0].body
        assert "Stock records at their reorder point: 1" in sent[0].body
        assert [m for m in run_all() if m.to == ["shop@example.com"]] == []


def test_no_digest_when_no_merchant_address(order):
    run_all()
    assert not Notice.objects.filter(kind=NoticeKind.MERCHANT_DIGEST).exists()
