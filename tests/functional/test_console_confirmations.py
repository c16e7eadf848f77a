"""Console confirmation pages: the amount "ship and capture" takes, and a confirmation that
applies once however often it is posted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.console import submit_once
from oscar_backorders.payments.checkout import authorise_order
from oscar_backorders.payments.gateways import get_gateway
from tests.factories import stocked_product
from tests.helpers import basket_with, confirmation_token, place, token_in
from tests.payments_support import gateway, run_on_commit  # noqa: F401 (fixtures)
from tests.supply_factories import SupplierFactory, inbound

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
URL = "admin:oscar_backorders_backorderline_changelist"
ALREADY = "This action was already applied; nothing was changed again."


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def line(strategy, today):
    place(basket_with(strategy, (stocked_product(num_in_stock=0), 4)), number="910001")
    return BackorderLine.objects.get()


@pytest.fixture
def authorised_line(strategy, today):
    product = stocked_product(num_in_stock=0, price=Decimal("15.00"))
    order = place(basket_with(strategy, (product, 3)), number="910002")
    authorise_order(order.pk, payment_token="ok")
    return BackorderLine.objects.get(order=order)


def ask(client, action, lines, **data):
    """The confirmation page of ``action`` (the changelist's first POST)."""
    return client.post(
        reverse(URL), {"action": action, "_selected_action": [x.pk for x in lines], "index": 0}
    )


def confirm_page(client, page, action, lines, **data):
    payload = {"action": action, "_selected_action": [x.pk for x in lines], "apply": "yes"}
    return client.post(reverse(URL), {**payload, **token_in(page), **data}, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- Ship and capture: the amount shown is the amount captured ---


def test_ship_confirmation_shows_per_line_and_in_total_the_amount_then_captured(
    merchant, authorised_line, django_capture_on_commit_callbacks
):
    record = authorised_line.stockrecord
    record.num_in_stock = 2
    record.save()
    services.allocate_units(authorised_line.pk, 2, reason="PO received")
    page = ask(merchant, "ship_and_capture", [authorised_line])
    html = page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        confirm_page(merchant, page, "ship_and_capture", [authorised_line])

    captured = [c.params["amount"] for c in get_gateway().calls if c.method == "capture"]
    assert captured == [Decimal("30.00")]
    shown = currency(captured[0], authorised_line.order.currency)
    assert f'<td class="backorder-capture-amount">{shown}</td>' in html
    assert f"In total {shown} will be captured." in html


def test_ship_confirmation_values_only_the_units_ready_to_ship_when_part_has_stock(
    merchant, authorised_line
):
    record = authorised_line.stockrecord
    record.num_in_stock = 1
    record.save()
    services.allocate_units(authorised_line.pk, 1, reason="PO received")
    page = ask(merchant, "ship_and_capture", [authorised_line]).content.decode()
    shown = currency(Decimal("15.00"), authorised_line.order.currency)
    assert f"In total {shown} will be captured." in page


def test_ship_confirmation_shows_why_a_shipment_would_be_refused_before_it_is_confirmed(
    merchant, authorised_line
):
    services.allocate_units(authorised_line.pk, 1, reason="counted, not on the shelf")
    page = ask(merchant, "ship_and_capture", [authorised_line]).content.decode()
    assert "does not cover 1 unit(s): 0 on the shelf." in page


def test_ship_confirmation_says_nothing_is_captured_when_no_payment_gateway_is_set(
    merchant, line, settings
):
    settings.BACKORDERS_PAYMENT_GATEWAY = None
    services.allocate_units(line.pk, 1, reason="arrived")
    page = ask(merchant, "ship_and_capture", [line]).content.decode()
    assert "No payment gateway is set up (pay-when-it-ships is off): nothing will be captured." in (
        page
    )


def test_ship_confirmation_says_nothing_is_captured_for_an_order_without_authorisation(
    merchant, line
):
    services.allocate_units(line.pk, 1, reason="arrived")
    page = ask(merchant, "ship_and_capture", [line]).content.decode()
    assert "Nothing will be captured: the order has no payment authorisation" in page


# --- Every confirmation page applies once ---


def test_every_queue_confirmation_page_disables_its_button_and_carries_a_token(merchant, line):
    for action in ("set_estimate", "change_priority", "cancel_waiting", "allocate_now"):
        page = ask(merchant, action, [line]).content.decode()
        assert "data-submit-once" in page, action
        assert "oscar_backorders/js/submit-once.js" in page, action
        assert f'name="{submit_once.FIELD}"' in page, action
        assert "<script>" not in page  # nothing inline: a strict CSP allows the page


def test_every_supply_confirmation_page_disables_its_button_and_carries_a_token(merchant, line):
    record = line.stockrecord
    type(record).objects.filter(pk=record.pk).update(num_in_stock=1)
    po_line = inbound(record, 5, dt.date(2026, 12, 2))
    for url in (
        reverse("admin:oscar_backorders_purchaseorderline_receive", args=[po_line.pk]),
        reverse("admin:oscar_backorders_purchaseorder_allocation", args=[record.pk]),
        reverse("admin:oscar_backorders_purchaseorder_import"),
    ):
        page = merchant.get(url).content.decode()
        assert "data-submit-once" in page, url
        assert "oscar_backorders/js/submit-once.js" in page, url
        assert token_in(merchant.get(url)), url
        assert "<script>" not in page, url


def test_replayed_queue_confirmation_changes_nothing_and_says_it_was_already_applied(
    merchant, line
):
    page = ask(merchant, "cancel_waiting", [line])
    first = confirm_page(merchant, page, "cancel_waiting", [line], quantity=1, reason="Asked")
    assert "Cancel waiting units: 1 line changed." in messages_of(first)

    again = confirm_page(merchant, page, "cancel_waiting", [line], quantity=1, reason="Asked")

    assert messages_of(again) == [ALREADY]
    line.refresh_from_db()
    assert line.quantity_cancelled == 1
    assert LogEntry.objects.count() == 1


def test_queue_confirmation_without_its_token_is_refused_and_changes_nothing(merchant, line):
    response = merchant.post(
        reverse(URL),
        {
            "action": "change_priority",
            "_selected_action": [line.pk],
            "apply": "yes",
            "priority": 5,
        },
    )
    assert response.status_code == 200
    assert "This confirmation page is incomplete or out of date" in response.content.decode()
    line.refresh_from_db()
    assert line.priority == 0


def test_token_of_another_action_page_is_refused(merchant, line):
    response = merchant.post(
        reverse(URL),
        {
            "action": "change_priority",
            "_selected_action": [line.pk],
            "apply": "yes",
            "priority": 5,
            **confirmation_token(merchant, "queue:cancel_waiting"),
        },
    )
    assert "out of date" in response.content.decode()
    line.refresh_from_db()
    assert line.priority == 0


def test_refused_confirmation_keeps_its_page_usable_once_corrected(merchant, line, today):
    page = ask(merchant, "set_estimate", [line])
    refused = confirm_page(merchant, page, "set_estimate", [line], reason="x")
    assert "Give either a new date" in refused.content.decode()
    new_date = today + dt.timedelta(days=40)
    done = confirm_page(merchant, refused, "set_estimate", [line], reason="Late", new_date=new_date)
    assert "1 line changed" in " ".join(messages_of(done))
    line.refresh_from_db()
    assert line.estimated_date == new_date


def test_replayed_receive_receives_nothing_more(merchant, line):
    po_line = inbound(line.stockrecord, 5, dt.date(2026, 12, 2))
    url = reverse("admin:oscar_backorders_purchaseorderline_receive", args=[po_line.pk])
    token = token_in(merchant.get(url))
    merchant.post(url, {"quantity": "2", **token})

    again = merchant.post(url, {"quantity": "2", **token}, follow=True)

    assert ALREADY in messages_of(again)
    po_line.refresh_from_db()
    assert po_line.quantity_received == 2


def test_replayed_allocation_run_allocates_nothing_more(merchant, line):
    record = line.stockrecord
    type(record).objects.filter(pk=record.pk).update(num_in_stock=1)
    url = reverse("admin:oscar_backorders_purchaseorder_allocation", args=[record.pk])
    token = token_in(merchant.get(url))
    merchant.post(url, token)
    type(record).objects.filter(pk=record.pk).update(num_in_stock=2)

    again = merchant.post(url, token, follow=True)

    assert ALREADY in messages_of(again)
    line.refresh_from_db()
    assert line.quantity_allocated == 1


def test_replayed_import_imports_nothing_more(merchant, line):
    record = line.stockrecord
    type(record).objects.filter(pk=record.pk).update(partner_sku="KETTLE")
    SupplierFactory(code="acme")
    content = b"reference,supplier,sku,quantity,expected_date\nPO-7,acme,KETTLE,4,2026-12-04\n"
    url = reverse("admin:oscar_backorders_purchaseorder_import")
    token = token_in(merchant.get(url))
    merchant.post(url, {"file": SimpleUploadedFile("po.csv", content), **token})

    again = merchant.post(
        url, {"file": SimpleUploadedFile("po.csv", content), **token}, follow=True
    )

    assert ALREADY in messages_of(again)
    assert PurchaseOrder.objects.count() == 1


def test_ship_confirmation_says_nothing_is_captured_when_the_units_were_paid_at_checkout(
    merchant,
    strategy,
    today,
    gateway,  # noqa: F811
    settings,
    run_on_commit,  # noqa: F811
):
    from tests.integration.payments.test_capture_in_stock import place_mixed

    settings.BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"
    order = run_on_commit(place_mixed, strategy, number="910003")
    backorder = BackorderLine.objects.get(order=order)
    type(backorder.stockrecord).objects.filter(pk=backorder.stockrecord_id).update(num_in_stock=3)
    services.allocate_units(backorder.pk, 1, reason="arrived")
    # One unit ships: the shelf's units go first, and they were captured at checkout.
    page = ask(merchant, "ship_and_capture", [backorder]).content.decode()
    assert "Nothing will be captured: these units were paid at checkout." in page


@pytest.mark.urls("tests.functional.test_languages")
def test_ship_confirmation_shows_the_amount_in_the_merchants_language(merchant, authorised_line):
    from django.utils import translation

    record = authorised_line.stockrecord
    record.num_in_stock = 2
    record.save()
    services.allocate_units(authorised_line.pk, 2, reason="PO received")
    with translation.override("nl"):
        url = reverse(URL)
        dutch = currency(Decimal("30.00"), authorised_line.order.currency)
    with translation.override("en"):
        english = currency(Decimal("30.00"), authorised_line.order.currency)
    with translation.override("nl"):  # and back: the middleware leaves its language active
        page = merchant.post(
            url,
            {"action": "ship_and_capture", "_selected_action": [authorised_line.pk], "index": 0},
        ).content.decode()
    assert (dutch, english) == ("£\xa030,00", "£30.00")
    assert f"In totaal wordt {dutch} geïnd." in page
