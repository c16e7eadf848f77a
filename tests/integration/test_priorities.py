"""Pluggable priority orders, with the data they need loaded from orders and customers."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from oscar.test.factories import UserFactory

from oscar_backorders.allocation import allocate_free_stock
from oscar_backorders.estimates.service import recompute
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.supply_factories import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_waiting(strategy, today):
    """An ordinary customer orders first, a loyal one second; one unit each waits."""
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    loyal = UserFactory()
    loyal.groups.add(Group.objects.create(name="loyal"))
    first = place(basket_with(strategy, (product, 1)), number="1", user=UserFactory())
    second = place(basket_with(strategy, (product, 1)), number="2", user=loyal)
    return product.stockrecords.get(), first.lines.get().backorder, second.lines.get().backorder


def served(record):
    result = allocate_free_stock([record.pk], reason="test", dry_run=True)
    return [a.backorder_line_id for a in result.allocations]


def test_default_order_is_first_come_first_served(two_waiting):
    record, first, second = two_waiting
    type(record).objects.filter(pk=record.pk).update(num_in_stock=1)
    assert served(record) == [first.pk]


def test_customer_group_order_serves_loyal_customers_first_when_configured(two_waiting, settings):
    record, first, second = two_waiting
    settings.BACKORDERS_PRIORITY_ORDER = "oscar_backorders.priorities.CustomerGroup"
    settings.BACKORDERS_PRIORITY_CUSTOMER_GROUPS = ["loyal"]
    type(record).objects.filter(pk=record.pk).update(num_in_stock=1)
    assert served(record) == [second.pk]


def test_estimates_follow_the_priority_order(two_waiting, settings):
    record, first, second = two_waiting
    settings.BACKORDERS_PRIORITY_ORDER = "oscar_backorders.priorities.CustomerGroup"
    settings.BACKORDERS_PRIORITY_CUSTOMER_GROUPS = ["loyal"]
    inbound(record, 1, dt.date(2026, 11, 30))
    recompute([record.pk], reason="test")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.likely_date, first.likely_date) == (
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 8),
    )


def test_urgent_shipping_is_served_first_when_configured(strategy, today, settings):
    settings.BACKORDERS_PRIORITY_ORDER = "oscar_backorders.priorities.ShippingUrgency"
    settings.BACKORDERS_URGENT_SHIPPING_CODES = ["express"]
    product = stocked_product(num_in_stock=0)
    slow = place(basket_with(strategy, (product, 1)), number="1").lines.get().backorder
    fast = place(basket_with(strategy, (product, 1)), number="2").lines.get().backorder
    fast.order.shipping_code = "express"
    fast.order.save()
    record = product.stockrecords.get()
    type(record).objects.filter(pk=record.pk).update(num_in_stock=1)
    assert served(record) == [fast.pk]
    assert slow.pk not in served(record)


def test_unknown_priority_order_setting_names_the_setting(settings, today, db):
    from oscar_backorders.exceptions import BackorderConfigurationError
    from oscar_backorders.priorities import get_priority_order

    settings.BACKORDERS_PRIORITY_ORDER = "nowhere.Order"
    with pytest.raises(BackorderConfigurationError, match="BACKORDERS_PRIORITY_ORDER"):
        get_priority_order()


def test_merchant_priority_change_moves_likely_dates_and_keeps_promises_that_still_hold(
    two_waiting, django_capture_on_commit_callbacks
):
    from oscar_backorders import services

    record, first, second = two_waiting
    inbound(record, 1, dt.date(2026, 11, 30))
    recompute([record.pk], reason="test")
    with django_capture_on_commit_callbacks(execute=True):
        services.set_priority(second.pk, 10, reason="VIP")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.likely_date, first.likely_date) == (
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 8),
    )
    # The first customer was promised the lead time (8 Dec), which still holds: not told.
    assert (first.estimated_date, first.miss_risk) == (dt.date(2026, 12, 8), 0.0)
    assert not first.events.filter(kind="estimate_changed").exists()
