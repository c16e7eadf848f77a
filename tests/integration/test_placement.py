import datetime as dt
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from oscar_backorders.abstract_models import BackorderStatus, PolicyMode
from oscar_backorders.exceptions import BackorderCapExceeded
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
Order = get_model("order", "Order")


def test_mixed_line_stores_backordered_part_apart(strategy, today):
    product = stocked_product(num_in_stock=3, lead_time_days=10)
    order = place(basket_with(strategy, (product, 5)))
    line = order.lines.get()
    assert line.quantity == 5
    backorder = line.backorder
    assert (backorder.quantity, backorder.status) == (2, BackorderStatus.WAITING)
    assert backorder.promised_date == backorder.estimated_date == dt.date(2026, 12, 8)
    record = product.stockrecords.get()
    # Every ordered unit is allocated; net stock is negative by the units waiting.
    assert (record.num_in_stock, record.num_allocated, record.net_stock_level) == (3, 5, -2)
    assert list(backorder.events.values_list("kind", "quantity")) == [("placed", 2)]


def test_in_stock_line_has_no_backorder_record(strategy, today):
    product = stocked_product(num_in_stock=10)
    order = place(basket_with(strategy, (product, 2)))
    assert not BackorderLine.objects.filter(order=order).exists()


def test_later_orders_queue_behind_earlier_backorders(strategy, today):
    product = stocked_product(num_in_stock=1)
    place(basket_with(strategy, (product, 3)), number="1")
    product.stockrecords.update(num_in_stock=3)  # two units arrive for the waiting line
    order = place(basket_with(strategy, (product, 2)), number="2")
    # Free stock was 3 - 3 = 0 after the first order, so both new units wait.
    assert order.lines.get().backorder.quantity == 2


def test_order_beyond_cap_is_refused_and_nothing_is_written(strategy, today):
    product = stocked_product(num_in_stock=1, cap=2)
    basket = basket_with(strategy, (product, 3))
    product.stockrecords.update(num_allocated=1)  # someone else took the shelf unit meanwhile
    with pytest.raises(BackorderCapExceeded) as excinfo:
        place(basket)
    assert excinfo.value.orderable == 2
    assert "Only 2 of" in str(excinfo.value)
    assert not Order.objects.exists()
    assert not BackorderLine.objects.exists()
    assert product.stockrecords.get().num_allocated == 1


def test_order_up_to_cap_is_accepted(strategy, today):
    product = stocked_product(num_in_stock=1, cap=2)
    order = place(basket_with(strategy, (product, 3)))
    assert order.lines.get().backorder.quantity == 2


def test_preorder_backorders_every_unit_and_promises_release_date(strategy, today):
    release = dt.date(2026, 12, 10)
    product = stocked_product(num_in_stock=1, mode=PolicyMode.PREORDER, release_date=release)
    order = place(basket_with(strategy, (product, 3)))
    backorder = order.lines.get().backorder
    assert backorder.is_preorder
    assert (backorder.quantity, backorder.quantity_allocated) == (3, 1)
    assert backorder.promised_date == release


def test_several_lines_write_backorders_in_one_statement(
    strategy, today, django_capture_on_commit_callbacks
):
    products = [stocked_product(num_in_stock=0, price=Decimal("5.00")) for _ in range(4)]
    basket = basket_with(strategy, *[(p, 1) for p in products])
    with django_capture_on_commit_callbacks(execute=True):
        order = place(basket)
    assert BackorderLine.objects.filter(order=order).count() == 4
