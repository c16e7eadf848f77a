"""A member of staff works the backorder queue over the REST API, with the admin's permissions
and the admin's rules: list and filter it, set estimates and priorities, cancel, allocate, ship."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.payments.checkout import authorise_order
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
BackorderEvent = get_model("oscar_backorders", "BackorderEvent")
StockRecord = get_model("partner", "StockRecord")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")


def staff_with(api, *codenames, view=True):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="oscar_backorders",
            codename__in=[*(["view_backorderline"] if view else []), *codenames],
        )
    )
    api.force_authenticate(user)
    return user


def state():
    """Everything an action could change."""
    return (
        list(
            BackorderLine.objects.order_by("pk").values_list(
                "quantity_allocated",
                "quantity_shipped",
                "quantity_cancelled",
                "status",
                "estimated_date",
                "priority",
            )
        ),
        list(StockRecord.objects.order_by("pk").values_list("num_in_stock", "num_allocated")),
        BackorderEvent.objects.count(),
    )


@pytest.fixture
def lines(strategy, today):
    """Two orders, each with one line of 2 waiting units."""
    for number in ("900001", "900002"):
        place(basket_with(strategy, (stocked_product(num_in_stock=0), 2)), number=number)
    return list(BackorderLine.objects.order_by("pk"))


def post(api, name, body):
    return api.post(reverse(f"oscar_backorders_api:{name}"), body, format="json")


def test_staff_lists_the_open_queue_highest_priority_first(api, lines):
    staff_with(api)
    services.set_priority(lines[1].pk, 5)
    response = api.get(reverse("oscar_backorders_api:queue"))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    first = data["results"][0]
    assert (first["id"], first["order"], first["priority"]) == (lines[1].pk, "900002", 5)
    assert first["url"].endswith(reverse("oscar_backorders_api:queue-line", args=[lines[1].pk]))
    assert (first["waiting_quantity"], first["status"]) == (2, "waiting")


def test_queue_filters_by_order_status_and_overdue_promise(api, lines, today):
    staff_with(api)
    services.cancel_units(lines[0].pk, 2, reason="x")
    queue = reverse("oscar_backorders_api:queue")
    assert [r["id"] for r in api.get(queue).json()["results"]] == [lines[1].pk]
    assert [r["id"] for r in api.get(queue + "?status=cancelled").json()["results"]] == [
        lines[0].pk
    ]
    assert api.get(queue + "?status=all&order=900002").json()["count"] == 1
    assert api.get(queue + "?overdue=promise").json()["count"] == 0


def test_unknown_filter_value_is_refused_with_a_field_message(api, lines):
    staff_with(api)
    response = api.get(reverse("oscar_backorders_api:queue") + "?risk=maybe&estimated_after=x")
    assert response.status_code == 400
    assert {"risk", "estimated_after"} <= set(response.json())


def test_queue_page_costs_the_same_queries_whatever_its_length(api, strategy, today, lines):
    staff_with(api)
    queue = reverse("oscar_backorders_api:queue")
    api.get(queue)  # the user's permissions are read once, then cached
    with CaptureQueriesContext(connection) as two:
        assert api.get(queue).status_code == 200
    for number in range(900010, 900020):
        place(basket_with(strategy, (stocked_product(num_in_stock=0), 1)), number=str(number))
    with CaptureQueriesContext(connection) as twelve:
        assert api.get(queue).json()["count"] == 12
    assert len(two) == len(twelve)


@pytest.mark.parametrize("who", ["customer", "staff without permission"])
def test_queue_is_forbidden_without_staff_and_the_view_permission(api, lines, who):
    if who == "customer":
        api.force_authenticate(UserFactory())
    else:
        staff_with(api, view=False)
    assert api.get(reverse("oscar_backorders_api:queue")).status_code == 403
    assert (
        api.get(reverse("oscar_backorders_api:queue-line", args=[lines[0].pk])).status_code == 403
    )


def test_staff_sets_the_estimate_of_lines(api, lines, today):
    user = staff_with(api, "set_backorder_estimate")
    new = today + dt.timedelta(days=30)
    body = {"lines": [x.pk for x in lines], "new_date": new.isoformat(), "reason": "ship delayed"}
    response = post(api, "set-estimate", body)
    assert response.status_code == 200, response.json()
    assert "2 lines changed" in response.json()["detail"]
    assert set(BackorderLine.objects.values_list("estimated_date", flat=True)) == {new}
    assert BackorderEvent.objects.filter(kind="estimate_changed", actor=user).count() == 2


def test_estimate_in_the_past_is_refused_with_a_field_message_and_nothing_changes(
    api, lines, today
):
    staff_with(api, "set_backorder_estimate")
    before = state()
    body = {"lines": [lines[0].pk], "new_date": "2020-01-01", "reason": "x"}
    response = post(api, "set-estimate", body)
    assert response.status_code == 400
    assert "in the past" in response.json()["new_date"][0]
    assert state() == before


def test_estimate_needs_either_a_date_or_a_shift(api, lines):
    staff_with(api, "set_backorder_estimate")
    before = state()
    response = post(api, "set-estimate", {"lines": [lines[0].pk], "reason": "x"})
    assert response.status_code == 400 and "either a new date" in str(response.json())
    assert state() == before


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("set-estimate", {"shift_days": 3, "reason": "x"}),
        ("change-priority", {"priority": 3}),
        ("cancel-waiting", {"reason": "x"}),
        ("allocate", {}),
        ("ship", {}),
    ],
)
def test_each_action_is_forbidden_without_its_admin_permission(api, lines, name, body):
    # Every other permission of the queue, but not this action's.
    others = {
        "set-estimate": "set_backorder_estimate",
        "change-priority": "change_backorder_priority",
        "cancel-waiting": "cancel_backorder_units",
        "allocate": "allocate_backorder_stock",
        "ship": "ship_backorder_units",
    }
    staff_with(api, *[code for key, code in others.items() if key != name])
    before = state()
    assert post(api, name, {"lines": [lines[0].pk], **body}).status_code == 403
    assert state() == before


def test_staff_changes_the_priority_of_waiting_lines(api, lines):
    staff_with(api, "change_backorder_priority")
    response = post(api, "change-priority", {"lines": [lines[0].pk], "priority": 7})
    assert response.status_code == 200
    assert response.json()["lines"][0]["priority"] == 7


def test_out_of_range_priority_is_refused_with_a_field_message(api, lines):
    staff_with(api, "change_backorder_priority")
    before = state()
    response = post(api, "change-priority", {"lines": [lines[0].pk], "priority": 5000})
    assert response.status_code == 400 and "priority" in response.json()
    assert state() == before


def test_unknown_line_is_refused_with_a_field_message(api, lines):
    staff_with(api, "change_backorder_priority")
    before = state()
    response = post(api, "change-priority", {"lines": [lines[0].pk, 999999], "priority": 7})
    assert response.status_code == 400 and "999999" in response.json()["lines"][0]
    assert state() == before


def test_staff_cancels_waiting_units(api, lines):
    staff_with(api, "cancel_backorder_units")
    response = post(api, "cancel-waiting", {"lines": [lines[0].pk], "quantity": 1, "reason": "x"})
    assert response.status_code == 200
    assert response.json()["lines"][0]["cancelled_quantity"] == 1


def test_cancelling_more_than_waits_is_refused_for_every_line(api, lines):
    staff_with(api, "cancel_backorder_units")
    before = state()
    body = {"lines": [x.pk for x in lines], "quantity": 3, "reason": "x"}
    response = post(api, "cancel-waiting", body)
    assert response.status_code == 400
    assert "900001" in response.json()["non_field_errors"][0]
    assert state() == before


def allocate_stock_arrives(line, units):
    StockRecord.objects.filter(pk=line.stockrecord_id).update(
        num_in_stock=F("num_in_stock") + units
    )


def test_staff_allocates_free_stock_then_ships_and_captures(api, lines, gateway):
    authorise_order(lines[0].order_id, payment_token="ok")
    staff_with(api, "allocate_backorder_stock", "ship_backorder_units")
    allocate_stock_arrives(lines[0], 2)
    response = post(api, "allocate", {"lines": [lines[0].pk]})
    assert response.status_code == 200, response.json()
    assert "allocated 2 units" in response.json()["detail"]
    assert response.json()["lines"][0]["ready_to_ship_quantity"] == 2
    response = post(api, "ship", {"lines": [lines[0].pk]})
    assert response.status_code == 200, response.json()
    assert response.json()["lines"][0]["shipped_quantity"] == 2
    assert PaymentCapture.objects.get().amount == lines[0].line.line_price_incl_tax


def test_shipping_an_order_whose_payment_cannot_be_captured_is_refused(api, lines, gateway):
    staff_with(api, "ship_backorder_units")
    allocate_stock_arrives(lines[0], 2)
    services.allocate_units(lines[0].pk, 2, reason="stock arrived")
    before = state()
    response = post(api, "ship", {"lines": [lines[0].pk]})
    assert response.status_code == 400
    assert "no payment authorisation" in response.json()["non_field_errors"][0]
    assert state() == before


def test_shipping_units_not_ready_is_refused_and_nothing_ships(api, lines):
    staff_with(api, "ship_backorder_units")
    before = state()
    response = post(api, "ship", {"lines": [lines[0].pk]})
    assert response.status_code == 400
    assert "No units are ready to ship" in response.json()["non_field_errors"][0]
    assert state() == before
