"""Uninstalling: the release of backordered allocations, and the removal of schedules and emails.

Each test states what plain Oscar's counters would be (``num_allocated``: units on the shelf
promised to orders and not yet shipped) and checks the release brings them there, once.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone
from oscar.core.loading import get_class, get_model
from oscar.test.factories import PartnerFactory

from oscar_backorders import services
from oscar_backorders.allocation import allocate_free_stock
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.shipping import ship
from oscar_backorders.uninstall import (
    ReleaseRefused,
    release_backorder_allocations,
    remove_schedules_and_email_types,
)
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.payments_support import gateway  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

StockRecord = get_model("partner", "StockRecord")
Line = get_model("order", "Line")
OrderNote = get_model("order", "OrderNote")
BackorderLine = get_model("oscar_backorders", "BackorderLine")
ReleasedAllocation = get_model("oscar_backorders", "ReleasedAllocation")
BeatLease = get_model("oscar_backorders", "BeatLease")
CommunicationEventType = get_model("communication", "CommunicationEventType")
CommunicationEvent = get_model("order", "CommunicationEvent")
EventHandler = get_class("order.processing", "EventHandler")


def run(*args: str) -> str:
    out = StringIO()
    call_command("release_backorder_allocations", *args, stdout=out)
    return out.getvalue()


def counters(product) -> tuple[int, int, int]:
    record = product.stockrecords.get()
    return record.num_in_stock, record.num_allocated, record.net_stock_level


def line_allocated(order) -> list[int]:
    return list(order.lines.order_by("pk").values_list("num_allocated", flat=True))


def arrive(product, units: int) -> None:
    """Stock arrives on the shelf (an UPDATE: a save would also run restock allocation)."""
    StockRecord.objects.filter(product=product).update(num_in_stock=F("num_in_stock") + units)


@pytest.fixture
def partial(strategy):
    """2 on the shelf, an order for 5: 2 from stock and 3 waiting (num_allocated 5, net -3)."""
    product = stocked_product(num_in_stock=2)
    order = place(basket_with(strategy, (product, 5)), number="U1")
    return product, order


def test_dry_run_prints_the_plan_and_changes_nothing_when_units_wait_without_stock(partial):
    product, order = partial
    record = product.stockrecords.get()

    out = run()

    assert "Dry run: nothing was changed" in out
    assert record.partner_sku in out and record.partner.name in out
    assert "5 → 2" in out  # num_allocated before → after
    assert "-3 → 0" in out  # net_stock_level before → after
    assert "Would release 3 unit(s) of 1 backordered line(s) on 1 stock record(s)" in out
    assert counters(product) == (2, 5, -3)
    assert line_allocated(order) == [5]
    assert not ReleasedAllocation.objects.exists()
    assert not OrderNote.objects.filter(order=order, message__contains="uninstalled").exists()


def test_apply_leaves_only_the_units_on_the_shelf_allocated_as_plain_oscar_would(partial):
    product, order = partial

    out = run("--apply")

    assert "Released 3 unit(s) of 1 backordered line(s) on 1 stock record(s)" in out
    # Plain Oscar: 2 on the shelf, both promised to the order.
    assert counters(product) == (2, 2, 0)
    assert line_allocated(order) == [2]
    released = ReleasedAllocation.objects.get()
    assert (released.quantity, released.line_quantity) == (3, 3)
    assert released.backorder_line == order.backorder_lines.get()
    note = OrderNote.objects.get(order=order, note_type=OrderNote.SYSTEM)
    assert "3 backordered unit(s)" in note.message and "uninstalled" in note.message
    # The plugin still sees the units waiting: the customer is still owed them.
    assert order.backorder_lines.get().quantity_waiting == 3


def test_second_run_releases_nothing_when_the_first_released_everything(partial):
    product, order = partial
    run("--apply")

    out = run("--apply")

    assert "Nothing to release" in out
    assert counters(product) == (2, 2, 0)
    assert line_allocated(order) == [2]
    assert ReleasedAllocation.objects.count() == 1


def test_second_run_releases_no_unit_twice_even_when_the_shelf_shrank_in_between(partial):
    product, order = partial
    run("--apply")
    StockRecord.objects.filter(product=product).update(num_in_stock=1)  # one broke

    result = release_backorder_allocations(apply=True)

    assert result.units == 0
    assert result.stock[0].plan.unexplained == 1  # not the plugin's to explain
    assert counters(product) == (1, 2, -1)


def test_orders_placed_after_a_release_are_released_by_the_next_run(partial, strategy):
    product, order = partial
    run("--apply")
    later = place(basket_with(strategy, (product, 4)), number="U2")
    assert counters(product) == (2, 6, -4)

    result = release_backorder_allocations(apply=True)

    assert result.units == 4
    assert counters(product) == (2, 2, 0)
    assert line_allocated(order) == [2] and line_allocated(later) == [0]


def test_units_allocated_from_arriving_stock_keep_their_allocation(strategy):
    product = stocked_product(num_in_stock=0)
    order = place(basket_with(strategy, (product, 5)), number="U3")
    arrive(product, 2)
    allocate_free_stock([product.stockrecords.get().pk], reason="delivery")
    assert order.backorder_lines.get().quantity_allocated == 2
    assert counters(product) == (2, 5, -3)

    release_backorder_allocations(apply=True)

    # Plain Oscar: the 2 that arrived are promised to the order; the 3 still missing are not.
    assert counters(product) == (2, 2, 0)
    assert line_allocated(order) == [2]


def test_shipped_units_are_not_released_when_part_of_a_line_shipped(strategy, today, gateway):  # noqa: F811
    product = stocked_product(num_in_stock=2)
    order = place(basket_with(strategy, (product, 5)), number="U4")
    authorise_order(order.pk, payment_token="ok")
    arrive(product, 1)
    allocate_free_stock([product.stockrecords.get().pk], reason="delivery")
    line = order.lines.get()
    assert ship(order.pk, {line.pk: 3}).status == "captured"  # 2 from stock + 1 arrived
    assert counters(product) == (0, 2, -2)
    assert line_allocated(order) == [2]

    result = release_backorder_allocations(apply=True)

    assert result.units == 2
    assert counters(product) == (0, 0, 0)
    assert line_allocated(order) == [0]
    backorder = order.backorder_lines.get()
    assert (backorder.quantity_shipped, backorder.quantity_waiting) == (1, 2)


def test_cancelled_units_are_released_once_and_leave_oscars_line_counter_too(partial):
    product, order = partial
    backorder = order.backorder_lines.get()
    services.cancel_units(backorder.pk, 1, reason="customer asked")
    # The plugin gave the cancelled unit back on the stock record; Oscar's line still counts it.
    assert counters(product) == (2, 4, -2)
    assert line_allocated(order) == [5]

    release_backorder_allocations(apply=True)

    assert counters(product) == (2, 2, 0)
    assert line_allocated(order) == [2]  # the 2 from stock, nothing else
    # Oscar's own cancellation of what the line still holds now gives back exactly that.
    line = order.lines.get()
    EventHandler().cancel_stock_allocations(order, [line], [line.num_allocated])
    assert counters(product) == (2, 0, 2)


def test_fully_cancelled_line_releases_no_stock_and_settles_only_oscars_line_counter(partial):
    product, order = partial
    services.cancel_units(order.backorder_lines.get().pk, 3, reason="customer asked")
    assert counters(product) == (2, 2, 0)

    out = run("--apply")

    assert "Released 0 unit(s)" in out and "3 unit(s) off order lines' num_allocated" in out
    assert counters(product) == (2, 2, 0)
    assert line_allocated(order) == [2]
    assert not OrderNote.objects.filter(order=order, message__contains="uninstalled").exists()
    assert "Nothing to release" in run("--apply")


def test_waiting_units_with_stock_on_the_shelf_keep_it_and_the_last_served_line_is_released(
    strategy,
):
    product = stocked_product(num_in_stock=0)
    first = place(basket_with(strategy, (product, 3)), number="U5")
    second = place(basket_with(strategy, (product, 2)), number="U6")
    arrive(product, 2)  # restock allocation has not run
    assert counters(product) == (2, 5, -3)

    out = run("--apply")

    assert "2 waiting unit(s) have stock on the shelf and keep their allocation" in out
    # The 2 on the shelf stay promised to the first order, as restock allocation would do.
    assert counters(product) == (2, 2, 0)
    assert line_allocated(first) == [2]
    assert line_allocated(second) == [0]


def test_nothing_is_released_when_no_unit_was_ever_backordered(strategy):
    product = stocked_product(num_in_stock=5)
    order = place(basket_with(strategy, (product, 2)), number="U7")

    out = run("--apply")

    assert "Nothing to release" in out
    assert counters(product) == (5, 2, 3)
    assert line_allocated(order) == [2]


def test_units_allocated_beyond_the_shelf_on_no_backordered_line_are_left_and_reported(partial):
    product, _order = partial
    StockRecord.objects.filter(product=product).update(num_in_stock=1)  # one vanished by hand

    out = run("--apply")

    assert "1 unit(s) allocated beyond the shelf wait on no backordered line" in out
    assert counters(product) == (1, 2, -1)


def test_partner_filter_releases_only_that_partners_stock(strategy):
    ours = stocked_product(num_in_stock=0, partner=PartnerFactory(name="Ours", code="ours"))
    theirs = stocked_product(num_in_stock=0, partner=PartnerFactory(name="Theirs", code="theirs"))
    place(basket_with(strategy, (ours, 2), (theirs, 3)), number="U8")

    out = run("--apply", "--partner", "ours")

    assert "Ours" in out and "Theirs" not in out
    assert counters(ours) == (0, 0, 0)
    assert counters(theirs) == (0, 3, -3)


def test_unknown_partner_is_refused_and_nothing_changes(partial):
    product, order = partial

    with pytest.raises(CommandError, match="There is no partner with the code 'nope'"):
        run("--apply", "--partner", "nope")

    assert counters(product) == (2, 5, -3)
    assert line_allocated(order) == [5]
    assert not ReleasedAllocation.objects.exists()


def test_unknown_stock_record_is_refused_and_nothing_changes(partial):
    product, _order = partial

    with pytest.raises(CommandError, match="There is no stock record 999999"):
        run("--apply", "--stockrecord", "999999")
    with pytest.raises(ReleaseRefused, match="positive whole number"):
        release_backorder_allocations(apply=True, stockrecord_ids=["1"])

    assert counters(product) == (2, 5, -3)


def test_apply_is_refused_while_celery_beat_holds_its_lease_but_a_dry_run_is_not(partial):
    product, _order = partial
    BeatLease.objects.create(
        name="celery-beat",
        holder="web-1:4242:abcd",
        expires_at=timezone.now() + dt.timedelta(seconds=60),
    )

    with pytest.raises(CommandError, match="Stop beat and the Celery workers first"):
        run("--apply")
    assert "Would release 3 unit(s)" in run()

    assert counters(product) == (2, 5, -3)


def test_release_is_refused_and_changes_nothing_when_a_counter_moves_under_it(partial, monkeypatch):
    """Where the database has no row locks, an order placed mid-run must not be overwritten."""
    from oscar_backorders.uninstall import release as uninstall

    product, order = partial
    real = uninstall.lock_stockrecords

    def lock_then_someone_orders(ids):
        records = real(ids)
        StockRecord.objects.filter(pk__in=ids).update(num_allocated=F("num_allocated") + 1)
        return records

    monkeypatch.setattr(uninstall, "lock_stockrecords", lock_then_someone_orders)

    with pytest.raises(ReleaseRefused, match="changed while the release ran"):
        release_backorder_allocations(apply=True)

    assert counters(product) == (2, 5, -3)
    assert line_allocated(order) == [5]
    assert not ReleasedAllocation.objects.exists()


def test_release_costs_the_same_queries_for_few_and_many_waiting_lines(strategy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def release_after(orders: int) -> int:
        product = stocked_product(num_in_stock=0)
        for n in range(orders):
            place(basket_with(strategy, (product, 1)), number=f"Q{orders}-{n}")
        with CaptureQueriesContext(connection) as queries:
            release_backorder_allocations(
                apply=True, stockrecord_ids=[product.stockrecords.get().pk]
            )
        assert counters(product) == (0, 0, 0)
        return len(queries)

    assert release_after(2) == release_after(20)


# --- schedules and email types -------------------------------------------------------------


def test_schedules_and_email_types_are_listed_by_a_dry_run_and_removed_by_apply():
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from oscar_backorders.notifications.beat import SCHEDULES, ensure_schedules
    from oscar_backorders.notifications.email_types import install_email_types
    from oscar_backorders.notifications.notices import EMAIL_CODES

    ensure_schedules()
    install_email_types()
    every_minute, _created = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(name="shop.own", task="shop.tasks.own", interval=every_minute)
    PeriodicTask.objects.create(  # renamed by the merchant: still the plugin's
        name="my renamed digest",
        task="oscar_backorders.notifications.tasks.send_merchant_digest",
        interval=every_minute,
    )
    CommunicationEventType.objects.create(code="ORDER_SHIPPED_SHOP", name="The shop's own")
    ours = {schedule.name for schedule in SCHEDULES}
    assert ours <= set(PeriodicTask.objects.values_list("name", flat=True))

    out = StringIO()
    call_command("remove_backorder_schedules", stdout=out)
    assert "Dry run: nothing was changed" in out.getvalue()
    assert "backorders.merchant-digest" in out.getvalue()
    assert "my renamed digest" in out.getvalue()
    assert "BACKORDER_SHIPPED" in out.getvalue()
    assert PeriodicTask.objects.filter(name__in=ours).count() == len(ours)

    out = StringIO()
    call_command("remove_backorder_schedules", "--apply", stdout=out)

    assert f"Removed {len(ours) + 1} schedule(s) and {len(EMAIL_CODES)} email type(s)" in (
        out.getvalue()
    )
    assert list(PeriodicTask.objects.values_list("name", flat=True)) == ["shop.own"]
    assert not CommunicationEventType.objects.filter(code__in=EMAIL_CODES.values()).exists()
    assert CommunicationEventType.objects.filter(code="ORDER_SHIPPED_SHOP").exists()
    assert IntervalSchedule.objects.filter(pk=every_minute.pk).exists()  # shared: stays


def test_email_type_an_order_communication_event_points_at_is_kept_with_its_history(partial):
    from oscar_backorders.notifications.email_types import install_email_types

    _product, order = partial
    install_email_types()
    shipped = CommunicationEventType.objects.get(code="BACKORDER_SHIPPED")
    CommunicationEvent.objects.create(order=order, event_type=shipped)
    CommunicationEventType.objects.filter(code="BACKORDER_CANCELLED").update(
        email_subject_template="Cancelled, {{ order.number }}"
    )

    dry = StringIO()
    call_command("remove_backorder_schedules", stdout=dry)
    result = remove_schedules_and_email_types(apply=True)

    assert "kept: 1 order communication event(s) point at it" in dry.getvalue()
    assert "edited in the dashboard" in dry.getvalue()
    assert [e.code for e in result.email_types if not e.removed] == ["BACKORDER_SHIPPED"]
    assert list(CommunicationEventType.objects.filter(code__startswith="BACKORDER_")) == [shipped]
    assert CommunicationEvent.objects.filter(order=order).count() == 1
