"""Admin actions on the backorder queue: confirmation page, permissions, refusals, audit."""

from __future__ import annotations

import datetime as dt
import sys
import types

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.abstract_models import BackorderEventKind
from oscar_backorders.allocation import Allocation, AllocationResult
from oscar_backorders.exceptions import BackorderError
from tests.factories import stocked_product
from tests.helpers import basket_with, confirmation_token, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
OrderNote = get_model("order", "OrderNote")
URL = "admin:oscar_backorders_backorderline_changelist"


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="oscar_backorders",
            codename__in=["view_backorderline", *codenames],
        )
    )
    return user


@pytest.fixture
def line(strategy, today):
    place(basket_with(strategy, (stocked_product(num_in_stock=0), 2)), number="900001")
    return BackorderLine.objects.get()


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def confirm(client, action, lines, follow=False, **data):
    payload = {"action": action, "_selected_action": [x.pk for x in lines], "apply": "yes"}
    payload.update(confirmation_token(client, f"queue:{action}"))
    payload.update(data)
    return client.post(reverse(URL), payload, follow=follow)


def snapshot(line):
    line.refresh_from_db()
    return (
        line.estimated_date,
        line.priority,
        line.quantity_allocated,
        line.quantity_shipped,
        line.quantity_cancelled,
        line.status,
    )


def test_action_shows_a_confirmation_page_with_its_form_when_first_chosen(client, superuser, line):
    response = client.post(
        reverse(URL), {"action": "set_estimate", "_selected_action": [line.pk], "index": 0}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "New estimated ship date" in page
    assert 'name="reason"' in page
    assert "900001" in page
    assert not LogEntry.objects.exists()


def test_set_estimate_moves_the_date_and_audits_it_when_confirmed(client, superuser, line, today):
    new_date = today + dt.timedelta(days=30)
    response = confirm(client, "set_estimate", [line], new_date=new_date, reason="Supplier late")
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.estimated_date == new_date
    entry = LogEntry.objects.get()
    assert entry.object_id == str(line.pk)
    assert entry.user == superuser
    assert "Supplier late" in entry.get_change_message()
    event = BackorderEvent.objects.get(kind=BackorderEventKind.ESTIMATE_CHANGED)
    assert (event.new_date, event.reason, event.actor) == (new_date, "Supplier late", superuser)
    assert OrderNote.objects.filter(order=line.order, message__contains="Supplier late").exists()


def test_set_estimate_shifts_each_line_by_days_when_asked(client, superuser, line):
    before = line.estimated_date
    confirm(client, "set_estimate", [line], shift_days=5, reason="Port strike")
    line.refresh_from_db()
    assert line.estimated_date == before + dt.timedelta(days=5)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new_date": "2026-11-23", "reason": "x"}, "The date 23 Nov 2026 is in the past."),
        ({"shift_days": -400, "reason": "x"}, "greater than or equal to -365"),
        ({"new_date": "2026-12-20", "reason": ""}, "This field is required."),
        ({"reason": "x"}, "Give either a new date or a number of days"),
        ({"new_date": "2026-12-20", "shift_days": 3, "reason": "x"}, "not both"),
        ({"new_date": "not a date", "reason": "x"}, "Enter a valid date."),
    ],
)
def test_set_estimate_is_refused_and_changes_nothing_when_input_is_bad(
    client, superuser, line, data, message
):
    before = snapshot(line)
    response = confirm(client, "set_estimate", [line], **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(line) == before
    assert not LogEntry.objects.exists()
    assert not BackorderEvent.objects.filter(kind=BackorderEventKind.ESTIMATE_CHANGED).exists()


def test_shift_is_refused_when_it_would_put_an_estimate_in_the_past(client, superuser, line):
    before = snapshot(line)
    days = (line.estimated_date - dt.date(2026, 11, 24)).days + 1
    response = confirm(client, "set_estimate", [line], shift_days=-days, reason="x")
    assert "would put the estimate in the past" in response.content.decode()
    assert snapshot(line) == before


def test_change_priority_sets_it_and_audits_it_when_confirmed(client, superuser, line):
    response = confirm(client, "change_priority", [line], priority=50, reason="VIP")
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.priority == 50
    assert "Priority 0 → 50: VIP" in LogEntry.objects.get().get_change_message()


@pytest.mark.parametrize("priority", ["5000", "-1001", "high", ""])
def test_change_priority_is_refused_when_the_number_is_bad(client, superuser, line, priority):
    before = snapshot(line)
    response = confirm(client, "change_priority", [line], priority=priority)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert snapshot(line) == before
    assert not LogEntry.objects.exists()


def test_cancel_waiting_cancels_the_units_and_audits_it_when_confirmed(client, superuser, line):
    response = confirm(client, "cancel_waiting", [line], quantity=1, reason="Customer asked")
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.quantity_waiting, line.quantity_cancelled) == (1, 1)
    assert "Cancelled 1 waiting unit(s)" in LogEntry.objects.get().get_change_message()
    assert BackorderEvent.objects.filter(kind=BackorderEventKind.CANCELLED).count() == 1


def test_cancel_waiting_without_a_quantity_cancels_everything_waiting(client, superuser, line):
    confirm(client, "cancel_waiting", [line], reason="Discontinued")
    line.refresh_from_db()
    assert (line.quantity_waiting, line.quantity_cancelled, line.status) == (0, 2, "cancelled")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "greater than or equal to 1"),
        ("-2", "greater than or equal to 1"),
        ("two", "Enter a whole number."),
        ("1.5", "Enter a whole number."),
        ("3", "Fewer than 3 units are waiting on: order 900001"),
    ],
)
def test_cancel_waiting_is_refused_when_the_quantity_is_bad(
    client, superuser, line, quantity, message
):
    before = snapshot(line)
    response = confirm(client, "cancel_waiting", [line], quantity=quantity, reason="x")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(line) == before
    assert not LogEntry.objects.exists()
    assert not OrderNote.objects.exists()


def test_cancel_is_refused_for_every_line_when_one_has_nothing_waiting(
    client, superuser, line, strategy
):
    place(basket_with(strategy, (stocked_product(num_in_stock=0), 1)), number="900002")
    other = BackorderLine.objects.get(order__number="900002")
    services.allocate_units(other.pk, 1, reason="arrived")
    before = snapshot(line)
    response = confirm(client, "cancel_waiting", [line, other], reason="x")
    assert "No units are waiting on: order 900002" in response.content.decode()
    assert snapshot(line) == before


@pytest.mark.parametrize(
    ("codename", "action", "data"),
    [
        ("set_backorder_estimate", "set_estimate", {"new_date": "2026-12-30", "reason": "x"}),
        ("change_backorder_priority", "change_priority", {"priority": 9}),
        ("cancel_backorder_units", "cancel_waiting", {"quantity": 1, "reason": "x"}),
    ],
)
def test_action_is_not_offered_and_not_run_when_staff_lacks_its_permission(
    client, line, codename, action, data
):
    others = [c for c in ("set_backorder_estimate", "change_backorder_priority") if c != codename]
    client.force_login(staff_with(*others))
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert f'value="{action}"' not in page.content.decode()
    before = snapshot(line)
    chosen = client.post(
        reverse(URL), {"action": action, "_selected_action": [line.pk], "index": 0}
    )
    assert chosen.status_code == 403
    response = confirm(client, action, [line], **data)
    assert response.status_code == 403
    assert snapshot(line) == before
    assert not LogEntry.objects.exists()


def test_action_is_offered_and_runs_when_staff_has_its_permission(client, line):
    client.force_login(staff_with("change_backorder_priority"))
    page = client.get(reverse(URL)).content.decode()
    assert 'value="change_priority"' in page
    assert 'value="set_estimate"' not in page
    confirm(client, "change_priority", [line], priority=7)
    line.refresh_from_db()
    assert line.priority == 7


# --- allocate now / ship and capture: modules built elsewhere, faked with their signatures ---


@pytest.fixture
def fake_allocation(monkeypatch):
    calls = []

    def allocate_free_stock(stockrecord_ids, *, reason, actor):
        calls.append((list(stockrecord_ids), reason, actor))
        allocations = []
        for line in BackorderLine.objects.filter(stockrecord_id__in=stockrecord_ids):
            allocations.append(Allocation(line.pk, line.stockrecord_id, line.quantity_waiting))
            services.allocate_units(line.pk, line.quantity_waiting, reason=reason, actor=actor)
        return AllocationResult(reason=reason, dry_run=False, allocations=tuple(allocations))

    module = types.ModuleType("oscar_backorders.allocation")
    module.allocate_free_stock = allocate_free_stock
    monkeypatch.setitem(sys.modules, "oscar_backorders.allocation", module)
    return calls


@pytest.fixture
def fake_shipping(monkeypatch):
    calls = []

    def ship(order_id, line_quantities, *, actor, reason=""):
        calls.append((order_id, dict(line_quantities), actor))
        if getattr(ship, "fail", False):
            raise BackorderError("Card declined")
        for order_line_id, quantity in line_quantities.items():
            backorder = BackorderLine.objects.get(line_id=order_line_id)
            services.record_shipment(backorder.pk, quantity, actor=actor)

    module = types.ModuleType("oscar_backorders.payments.shipping")
    module.ship = ship
    monkeypatch.setitem(sys.modules, "oscar_backorders.payments.shipping", module)
    return ship, calls


def test_allocate_now_calls_the_allocation_with_the_stock_records_when_confirmed(
    client, superuser, line, fake_allocation
):
    response = confirm(client, "allocate_now", [line], reason="Stock counted")
    assert response.status_code == 302
    assert fake_allocation == [([line.stockrecord_id], "Stock counted", superuser)]
    line.refresh_from_db()
    assert line.quantity_allocated == 2
    assert "Stock counted" in LogEntry.objects.get().get_change_message()


def put_on_shelf(line, units):
    """Stock counted in by an UPDATE: nothing allocates it until the merchant asks."""
    type(line.stockrecord).objects.filter(pk=line.stockrecord_id).update(num_in_stock=units)


def allocate_now_message(client, lines):
    response = confirm(client, "allocate_now", lines, follow=True, reason="Stock counted")
    return " ".join(str(m) for m in response.context["messages"])


def test_allocate_now_says_nothing_to_do_and_logs_nothing_when_there_is_no_free_stock(
    client, superuser, line
):
    before = snapshot(line)
    message = allocate_now_message(client, [line])
    assert message == (
        "Allocate free stock now: nothing to do, "
        "there is no free stock for the products of the selected lines."
    )
    assert "changed" not in message
    assert snapshot(line) == before
    assert not LogEntry.objects.exists()


def test_allocate_now_refuses_on_its_confirmation_page_when_a_selected_line_waits_for_nothing(
    client, superuser, line
):
    put_on_shelf(line, 5)
    services.allocate_units(line.pk, 2, reason="Found")
    response = confirm(client, "allocate_now", [line], reason="Stock counted")
    assert response.status_code == 200
    assert "Nothing is waiting for stock on:" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_allocate_now_reports_the_units_and_that_no_line_is_ready_when_stock_covers_part(
    client, superuser, line
):
    put_on_shelf(line, 1)
    message = allocate_now_message(client, [line])
    assert message == (
        "Allocate free stock now: allocated 1 unit of free stock. 1 line received stock. "
        "No line is ready to ship yet: each still waits for more units."
    )
    line.refresh_from_db()
    assert (line.quantity_allocated, line.quantity_waiting) == (1, 1)
    assert "Allocated 1 unit(s) of free stock" in LogEntry.objects.get().get_change_message()


def test_allocate_now_reports_the_lines_made_ready_to_ship_when_stock_covers_them(
    client, superuser, line
):
    put_on_shelf(line, 2)
    message = allocate_now_message(client, [line])
    assert message == (
        "Allocate free stock now: allocated 2 units of free stock. 1 line received stock. "
        "1 line is now ready to ship."
    )
    line.refresh_from_db()
    assert line.status == "allocated"


def test_allocate_now_says_when_a_line_that_was_not_selected_took_the_stock_first(
    client, superuser, line, strategy
):
    product = line.stockrecord.product
    place(basket_with(strategy, (product, 1)), number="900002")
    later = BackorderLine.objects.get(order__number="900002")
    put_on_shelf(line, 3)
    message = allocate_now_message(client, [later])
    assert message == (
        "Allocate free stock now: allocated 3 units of free stock. 2 lines received stock. "
        "1 of them was not selected: it comes first in the allocation order. "
        "2 lines are now ready to ship."
    )
    assert LogEntry.objects.count() == 2


def test_allocate_now_says_not_installed_and_changes_nothing_when_allocation_is_absent(
    client, superuser, line, monkeypatch
):
    monkeypatch.setitem(sys.modules, "oscar_backorders.allocation", None)
    before = snapshot(line)
    response = client.post(
        reverse(URL),
        {"action": "allocate_now", "_selected_action": [line.pk], "index": 0},
        follow=True,
    )
    assert "is not installed" in response.content.decode()
    assert snapshot(line) == before
    assert not LogEntry.objects.exists()


def test_ship_and_capture_ships_what_is_allocated_per_order_when_confirmed(
    client, superuser, line, fake_shipping
):
    ship, calls = fake_shipping
    services.allocate_units(line.pk, 2, reason="arrived")
    response = confirm(client, "ship_and_capture", [line])
    assert response.status_code == 302
    assert calls == [(line.order_id, {line.line_id: 2}, superuser)]
    line.refresh_from_db()
    assert (line.quantity_shipped, line.status) == (2, "shipped")
    assert "Shipped 2 unit(s)" in LogEntry.objects.get().get_change_message()


def test_ship_and_capture_is_refused_when_more_than_allocated_is_asked(
    client, superuser, line, fake_shipping
):
    ship, calls = fake_shipping
    services.allocate_units(line.pk, 1, reason="arrived")
    response = confirm(client, "ship_and_capture", [line], quantity=2)
    assert "Fewer than 2 units are ready to ship" in response.content.decode()
    assert calls == []
    assert not LogEntry.objects.exists()


def test_ship_and_capture_reports_a_failed_capture_and_logs_nothing(
    client, superuser, line, fake_shipping
):
    ship, calls = fake_shipping
    ship.fail = True
    services.allocate_units(line.pk, 2, reason="arrived")
    response = confirm(client, "ship_and_capture", [line], follow=True)
    assert "Not shipped: 900001: Card declined" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity_shipped == 0
    assert not LogEntry.objects.exists()


def test_ship_and_capture_says_not_installed_when_shipping_is_absent(
    client, superuser, line, monkeypatch
):
    monkeypatch.setitem(sys.modules, "oscar_backorders.payments.shipping", None)
    response = client.post(
        reverse(URL),
        {"action": "ship_and_capture", "_selected_action": [line.pk], "index": 0},
        follow=True,
    )
    assert "Shipping with payment capture is not installed" in response.content.decode()


@pytest.mark.parametrize(
    ("codename", "action"),
    [("allocate_backorder_stock", "allocate_now"), ("ship_backorder_units", "ship_and_capture")],
)
def test_allocate_and_ship_are_not_run_when_staff_lacks_the_permission(
    client, line, fake_allocation, fake_shipping, codename, action
):
    client.force_login(staff_with("change_backorder_priority"))
    services.allocate_units(line.pk, 1, reason="arrived")
    response = confirm(client, action, [line], reason="x")
    assert response.status_code == 403
    assert fake_allocation == []
    assert fake_shipping[1] == []


def test_action_is_refused_when_more_lines_are_selected_than_one_action_may_change(
    client, superuser, today, monkeypatch
):
    from oscar_backorders.console import actions as admin_actions
    from tests.bulk import bulk_backorder_lines

    monkeypatch.setattr(admin_actions, "MAX_LINES", 3)
    bulk_backorder_lines(10)
    response = client.post(
        reverse(URL),
        {
            "action": "change_priority",
            "select_across": "1",
            "_selected_action": [BackorderLine.objects.first().pk],
            "index": 0,
        },
        follow=True,
    )
    assert "6 lines are selected; an action changes at most 3 at once." in (
        response.content.decode()
    )
    response = confirm(client, "change_priority", BackorderLine.objects.all(), priority=9)
    assert not BackorderLine.objects.filter(priority=9).exists()
    assert not LogEntry.objects.exists()


# --- the line page ---


def line_page(client, line):
    return client.get(reverse("admin:oscar_backorders_backorderline_change", args=[line.pk]))


def test_line_page_names_the_cancelling_customer_by_email_not_by_oscars_username(
    client, superuser, line
):
    # Oscar generates a random username for each customer.
    customer = UserFactory(email="ada@example.com", username="a8f3kq0z7w")
    services.cancel_units(line.pk, 1, actor=customer, reason="Changed my mind", by_customer=True)
    page = line_page(client, line).content.decode()
    assert "ada@example.com" in page
    assert "a8f3kq0z7w" not in page


def test_line_page_names_an_actor_without_email_by_username(client, line):
    clerk = UserFactory(is_staff=True, is_superuser=True, email="", username="clerk-jo")
    client.force_login(clerk)
    services.cancel_units(line.pk, 1, actor=clerk, reason="Out of print")
    assert "clerk-jo" in line_page(client, line).content.decode()


def test_line_page_offers_no_save_button_when_nothing_on_it_is_editable(client, superuser, line):
    response = line_page(client, line)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert 'name="_addanother"' not in page


def test_line_page_refuses_a_posted_save(client, superuser, line):
    before = snapshot(line)
    response = client.post(
        reverse("admin:oscar_backorders_backorderline_change", args=[line.pk]), {"_save": "Save"}
    )
    assert response.status_code == 403
    assert snapshot(line) == before
    assert not LogEntry.objects.exists()
