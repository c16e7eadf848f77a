"""``check_backorders``: counters and backorder records agree, and each disagreement is reported."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.consistency import check_consistency
from oscar_backorders.exceptions import BackorderCapExceeded
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

StockRecord = get_model("partner", "StockRecord")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")


def codes(report):
    return sorted(f.code for f in report.disagreements)


def run_command(*args):
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_backorders", *args, stdout=out)
    except CommandError as error:
        return error, out.getvalue()
    return None, out.getvalue()


@pytest.fixture
def backordered(strategy):
    """A stock record with 2 on the shelf and an order for 5 (3 backordered, cap 10)."""
    product = stocked_product(num_in_stock=2, cap=10)
    order = place(basket_with(strategy, (product, 5)), number="C1")
    return product.stockrecords.get(), BackorderLine.objects.get(order=order)


def test_check_finds_nothing_when_orders_were_placed_allocated_shipped_and_cancelled(
    backordered, strategy
):
    record, line = backordered
    record.num_in_stock += 1
    record.save()
    services.allocate_units(line.pk, 1, reason="one arrived")
    services.record_shipment(line.pk, 1, reason="parcel")
    services.cancel_units(line.pk, 1, reason="customer asked")
    report = check_consistency()
    assert report.ok, report.findings
    assert report.stockrecords_checked == 1
    assert report.lines_checked == 1
    error, out = run_command()
    assert error is None
    assert "0 disagreements" in out


def test_check_reports_counter_below_open_when_num_allocated_was_lowered_by_hand(backordered):
    record, _line = backordered
    StockRecord.objects.filter(pk=record.pk).update(num_allocated=1)
    assert "counter-below-open" in codes(check_consistency())
    error, out = run_command()
    assert error is not None and error.returncode == 1
    assert "num_allocated is 1 but 3 backordered units are still open" in out


def test_check_reports_unrecorded_shortfall_when_stock_was_sold_without_a_backorder_record(
    backordered,
):
    record, _line = backordered
    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=0)  # 2 vanished from the shelf
    report = check_consistency()
    assert codes(report) == ["unrecorded-shortfall"]
    assert "5 units are allocated beyond the 0 in stock, but only 3 are waiting" in (
        report.disagreements[0].message
    )


def test_check_reports_cap_exceeded_when_more_wait_than_the_cap_allows(backordered):
    record, _line = backordered
    BackorderPolicy.objects.filter(stockrecord=record).update(cap=2)
    assert codes(check_consistency()) == ["cap-exceeded"]


def test_check_reports_status_when_a_line_status_was_edited_without_the_services(backordered):
    _record, line = backordered
    BackorderLine.objects.filter(pk=line.pk).update(status="shipped")
    report = check_consistency()
    assert codes(report) == ["line-status"]
    assert report.disagreements[0].backorder_line_id == line.pk


def test_check_reports_events_when_a_shipment_was_written_without_its_event(backordered):
    record, line = backordered
    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=5)
    BackorderLine.objects.filter(pk=line.pk).update(quantity_shipped=3, status="shipped")
    report = check_consistency()
    assert codes(report) == ["line-events"]
    assert (
        "3 units shipped, but its 'shipped' events add up to 0" in report.disagreements[0].message
    )


def test_check_notes_but_accepts_waiting_units_when_stock_arrived_and_was_not_yet_allocated(
    backordered,
):
    record, _line = backordered
    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=10)
    report = check_consistency()
    assert report.ok
    assert [f.code for f in report.notes] == ["stock-for-waiting"]
    error, out = run_command()
    assert error is None
    assert "note [stock-for-waiting]" in out


def test_check_limits_itself_to_the_stock_records_asked_for(backordered, strategy):
    record, _line = backordered
    other = stocked_product(num_in_stock=0)
    place(basket_with(strategy, (other, 2)), number="C2")
    StockRecord.objects.filter(product=other).update(num_allocated=0)
    assert codes(check_consistency(stockrecord_ids=[record.pk])) == []
    error, _out = run_command("--stockrecord", str(other.stockrecords.get().pk))
    assert error is not None


def test_nothing_is_written_and_counters_agree_when_the_last_line_of_an_order_is_refused(strategy):
    roomy = stocked_product(num_in_stock=0, cap=None)
    capped = stocked_product(num_in_stock=0, cap=2)
    basket = basket_with(strategy, (roomy, 4), (capped, 2))
    StockRecord.objects.filter(product=capped).update(num_allocated=1)  # someone was quicker
    BackorderPolicy.objects.filter(stockrecord__product=capped).update(cap=2)
    with pytest.raises(BackorderCapExceeded):
        place(basket, number="C3")
    assert StockRecord.objects.get(product=roomy).num_allocated == 0
    assert not BackorderLine.objects.exists()
    # The hand-made allocation of 1 on the capped record has no backorder record: reported.
    assert codes(check_consistency()) == ["unrecorded-shortfall"]
