"""A customer meets the backorder state everywhere, through Oscar's real views."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.apps.checkout.signals import pre_payment
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.abstract_models import PolicyMode
from tests.factories import stocked_product
from tests.functional.checkout import add_to_basket, place_order, to_preview
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
BackorderLine = get_model("oscar_backorders", "BackorderLine")


def titled(product, title):
    product.title = title
    product.save()
    return product


@pytest.fixture
def products(today):
    return {
        "notebook": titled(stocked_product(num_in_stock=50, mode=None), "Field notebook"),
        "pourover": titled(stocked_product(num_in_stock=0, lead_time_days=10), "Pour-over"),
        "apron": titled(stocked_product(num_in_stock=3, lead_time_days=7), "Linen apron"),
    }


def html(response):
    return response.content.decode()


def test_product_page_shows_backorder_date_when_out_of_stock(client, products):
    response = client.get(products["pourover"].get_absolute_url())
    assert "Available on backorder — ships by 8 Dec" in html(response)


def _fill_mixed_basket(client, products):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["pourover"], 2)
    add_to_basket(client, products["apron"], 5)


def test_guest_checkout_of_mixed_basket_shows_backorders_at_every_step(
    client, products, mailoutbox
):
    _fill_mixed_basket(client, products)
    capped = titled(stocked_product(num_in_stock=0, cap=5, lead_time_days=5), "Limited print")
    add_to_basket(client, capped, 4)

    basket_page = html(client.get(reverse("basket:summary")))
    assert "2 backordered — ships by 8 Dec" in basket_page
    assert "4 backordered — ships by 1 Dec" in basket_page
    assert "3 ship now, 2 backordered — ships by 3 Dec" in basket_page

    preview = html(to_preview(client, guest_email="guest@example.com"))
    assert "2 backordered — ships by 8 Dec" in preview
    assert "3 ship now, 2 backordered — ships by 3 Dec" in preview

    response = place_order(client)
    assert response.status_code == 302 and response.url == reverse("checkout:thank-you")
    order = Order.objects.get()
    assert order.user is None

    thanks = html(client.get(reverse("checkout:thank-you")))
    assert "Items that ship later" in thanks
    assert "Everything else in your order ships now" in thanks
    assert "2 of 2 on backorder — ships by 8 Dec 2026" in thanks
    assert "2 of 5 on backorder — ships by 3 Dec 2026" in thanks
    assert "4 of 4 on backorder — ships by 1 Dec 2026" in thanks
    assert capped.stockrecords.get().num_allocated == 4
    later = thanks.split("Items that ship later")[1].split("</ul>")[0]
    assert "Pour-over" in later and "Linen apron" in later
    assert "Field notebook" not in later

    (email,) = mailoutbox
    assert "Items that ship later" in email.body
    assert "Everything else in your order ships now" in email.body
    assert "2 of 5 on backorder — ships by 3 Dec 2026" in email.body
    html_body = email.alternatives[0][0]
    assert "Items that ship later" in html_body
    assert "Everything else in your order ships now" in html_body
    assert "2 of 2 on backorder — ships by 8 Dec 2026" in html_body

    # Oscar's order-status page for guests asks for the email address first.
    status_url = reverse(
        "customer:anon-order",
        kwargs={"order_number": order.number, "hash": order.verification_hash()},
    )
    form_url = reverse(
        "customer:anon-order-form",
        kwargs={"order_number": order.number, "hash": order.verification_hash()},
    )
    client.post(form_url, {"email": "guest@example.com"})
    status = html(client.get(status_url))
    assert "Delivery of your items" in status
    assert "3 from stock" in status
    assert "2 waiting for stock — ships by 3 Dec 2026" in status
    assert "Cancel the waiting items" in status


def test_html_confirmation_puts_what_ships_later_with_the_lines_before_the_address_when_some_items_wait(
    client, products, mailoutbox
):
    _fill_mixed_basket(client, products)
    to_preview(client, guest_email="guest@example.com")
    place_order(client)
    (email,) = mailoutbox
    body = email.alternatives[0][0]
    lines, total, later, address = (
        body.index("Field notebook"),
        body.index("Order Total:"),
        body.index("Items that ship later"),
        body.index("Shipping address:"),
    )
    assert lines < total < later < address
    # Inside the table of the order's lines, not a section of its own after the address.
    order_table = body[body.index('<table class="order">') : address]
    assert "2 of 5 on backorder — ships by 3 Dec 2026" in order_table
    assert order_table.count("<table") == order_table.count("</table>")


def test_thank_you_page_and_email_do_not_say_anything_ships_now_when_every_item_is_backordered(
    client, products, mailoutbox
):
    preorder = stocked_product(
        num_in_stock=0, mode=PolicyMode.PREORDER, release_date=dt.date(2026, 12, 10)
    )
    add_to_basket(client, products["pourover"], 2)
    add_to_basket(client, preorder, 1)
    to_preview(client, guest_email="guest@example.com")
    place_order(client)

    thanks = html(client.get(reverse("checkout:thank-you")))
    (email,) = mailoutbox
    for text in (thanks, email.body, email.alternatives[0][0]):
        assert "Items that ship later" in text
        assert "ships now" not in text
        assert "Nothing in your order is in stock yet. Each item ships as shown below" in text
        assert "2 of 2 on backorder — ships by 8 Dec 2026" in text
        assert "1 of 1 pre-ordered — ships on release, 10 Dec 2026" in text


def test_registered_checkout_leads_to_order_history_with_backorder_state(
    client, products, mailoutbox
):
    user = UserFactory()
    client.force_login(user)
    _fill_mixed_basket(client, products)
    to_preview(client)
    assert place_order(client).status_code == 302
    order = Order.objects.get(user=user)
    assert len(mailoutbox) == 1

    history = html(client.get(reverse("customer:order-list")))
    assert "Items still to come" in history
    assert "4 items waiting for stock — ships by 8 Dec 2026" in history

    detail = html(client.get(reverse("customer:order", kwargs={"order_number": order.number})))
    assert "Delivery of your items" in detail
    assert "1 from stock" in detail  # the notebook
    assert "2 waiting for stock — ships by 8 Dec 2026" in detail
    assert "3 from stock" in detail


def test_order_detail_shows_every_state_of_a_line(client, strategy, today):
    user = UserFactory()
    client.force_login(user)
    product = stocked_product(num_in_stock=1)
    order = place(basket_with(strategy, (product, 7)), user=user)
    backorder = order.lines.get().backorder
    services.allocate_units(backorder.pk, 3, reason="stock arrived")
    services.record_shipment(backorder.pk, 1)
    services.cancel_units(backorder.pk, 1, reason="test", actor=None)
    page = html(client.get(reverse("customer:order", kwargs={"order_number": order.number})))
    for text in (
        "1 from stock",
        "2 waiting for stock — ships by 8 Dec 2026",
        "2 ready to ship",
        "1 shipped separately",
        "1 cancelled",
    ):
        assert text in page


def test_preorder_is_announced_with_its_release_date(client, today):
    product = stocked_product(
        num_in_stock=0, mode=PolicyMode.PREORDER, release_date=dt.date(2026, 12, 10)
    )
    assert "Pre-order — releases 10 Dec" in html(client.get(product.get_absolute_url()))
    add_to_basket(client, product, 2)
    assert "2 pre-ordered — ships on release, 10 Dec" in html(client.get(reverse("basket:summary")))


def test_preordered_items_read_as_pre_orders_not_as_waiting_for_stock(client, strategy, today):
    user = UserFactory()
    client.force_login(user)
    preorder = stocked_product(
        num_in_stock=0, mode=PolicyMode.PREORDER, release_date=dt.date(2026, 12, 10)
    )
    backordered = stocked_product(num_in_stock=0, lead_time_days=10)
    order = place(basket_with(strategy, (preorder, 2), (backordered, 1)), user=user)

    history = html(client.get(reverse("customer:order-list")))
    assert "2 items pre-ordered — ship on release, 10 Dec 2026" in history
    assert "1 item waiting for stock — ships by 8 Dec 2026" in history
    assert "2 items waiting for stock" not in history

    detail = html(client.get(reverse("customer:order", kwargs={"order_number": order.number})))
    assert "2 pre-ordered — ships on release, 10 Dec 2026" in detail
    assert "2 waiting for stock" not in detail


def test_capped_product_page_says_how_few_are_left_to_order(client, today):
    product = stocked_product(num_in_stock=0, cap=5, lead_time_days=10)
    record = product.stockrecords.get()
    record.num_allocated = 3
    record.save()
    page = html(client.get(product.get_absolute_url()))
    assert "Available on backorder — ships by 8 Dec. Only 2 left to order" in page


def test_cap_exceeded_at_placement_shows_message_and_writes_nothing(client, today, mailoutbox):
    product = stocked_product(num_in_stock=1, cap=2)
    add_to_basket(client, product, 3)
    to_preview(client, guest_email="guest@example.com")

    def someone_else_takes_the_shelf_unit(sender, **kwargs):
        product.stockrecords.update(num_allocated=1)

    pre_payment.connect(someone_else_takes_the_shelf_unit)
    try:
        response = place_order(client)
    finally:
        pre_payment.disconnect(someone_else_takes_the_shelf_unit)
    assert response.status_code == 200
    assert "Only 2 of" in html(response) and "can be ordered now" in html(response)
    assert not Order.objects.exists()
    assert not BackorderLine.objects.exists()
    assert product.stockrecords.get().num_allocated == 1
    assert mailoutbox == []


def test_basket_quantity_over_cap_is_refused_with_reason(client, today):
    product = stocked_product(num_in_stock=1, cap=2)
    response = add_to_basket(client, product, 4)
    assert "a maximum of 3 can be ordered" in html(response)
    assert not client.get(reverse("basket:summary")).context["basket"].num_items


def test_basket_update_over_cap_is_refused_with_reason(client, today):
    product = stocked_product(num_in_stock=1, cap=2)
    add_to_basket(client, product, 2)
    basket = client.get(reverse("basket:summary")).context["basket"]
    line = basket.all_lines()[0]
    response = client.post(
        reverse("basket:summary"),
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000,
            "form-0-id": line.pk,
            "form-0-quantity": 9,
        },
        follow=True,
    )
    assert "a maximum of 3 can be ordered" in html(response)
    line.refresh_from_db()
    assert line.quantity == 2


def test_out_of_stock_product_without_backorders_is_refused(client, today):
    product = stocked_product(num_in_stock=0, mode=PolicyMode.OFF)
    page = html(client.get(product.get_absolute_url()))
    assert "Unavailable" in page
    response = add_to_basket(client, product, 1)
    assert "no stock available" in html(response)
    assert not client.get(reverse("basket:summary")).context["basket"].num_items


def _plugin_queries(ctx):
    return [q["sql"] for q in ctx.captured_queries if "oscar_backorders" in q["sql"]]


def _detail_queries(client, order):
    url = reverse("customer:order", kwargs={"order_number": order.number})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return _plugin_queries(ctx)


def _reads_money(sql):
    """The order's money (``order_money``): the test shop pays when it ships."""
    return "oscar_backorders_paymentauthorisation" in sql


def _backorders_and_money(queries):
    return sum(not _reads_money(q) for q in queries), sum(map(_reads_money, queries))


@pytest.mark.parametrize("num_lines", [1, 5])
def test_order_detail_reads_backorders_in_one_query_whatever_the_lines(
    client, strategy, today, num_lines
):
    user = UserFactory()
    client.force_login(user)
    products = [stocked_product(num_in_stock=0) for _ in range(num_lines)]
    order = place(basket_with(strategy, *[(p, 2) for p in products]), user=user)
    assert _backorders_and_money(_detail_queries(client, order)) == (1, 1)


@pytest.mark.parametrize("num_orders", [1, 4])
def test_order_history_reads_backorders_in_one_query_whatever_the_orders(
    client, strategy, today, num_orders
):
    user = UserFactory()
    client.force_login(user)
    for number in range(num_orders):
        product = stocked_product(num_in_stock=0)
        place(basket_with(strategy, (product, 1)), number=str(1000 + number), user=user)
    with CaptureQueriesContext(connection) as ctx:
        page = html(client.get(reverse("customer:order-list")))
    ours = [q for q in ctx.captured_queries if "oscar_backorders" in q["sql"]]
    assert len(ours) == 1
    assert page.count("1 item waiting for stock") == num_orders


def test_confirmation_email_has_no_backorder_section_when_all_in_stock(client, today, mailoutbox):
    add_to_basket(client, stocked_product(num_in_stock=5), 1)
    to_preview(client, guest_email="guest@example.com")
    place_order(client)
    (email,) = mailoutbox
    assert "Items that ship later" not in email.body
    assert "Your order contains" in email.body


@pytest.mark.parametrize("num_lines", [1, 5])
def test_thank_you_page_reads_backorders_in_one_query_whatever_the_lines(
    client, strategy, today, num_lines
):
    products = [stocked_product(num_in_stock=0) for _ in range(num_lines)]
    order = place(basket_with(strategy, *[(p, 2) for p in products]))
    session = client.session
    session["checkout_order_id"] = order.id
    session.save()
    with CaptureQueriesContext(connection) as ctx:
        page = html(client.get(reverse("checkout:thank-you")))
    assert _backorders_and_money(_plugin_queries(ctx)) == (1, 1)
    assert page.count("2 of 2 on backorder — ships by 8 Dec 2026") == num_lines


@pytest.mark.parametrize("num_lines", [1, 5])
def test_confirmation_email_reads_backorders_in_one_query_whatever_the_lines(
    strategy, today, num_lines
):
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    products = [stocked_product(num_in_stock=0) for _ in range(num_lines)]
    order = place(basket_with(strategy, *[(p, 2) for p in products]))
    event_type = CommunicationEventType(code="ORDER_PLACED")
    with CaptureQueriesContext(connection) as ctx:
        messages = event_type.get_messages({"order": order, "lines": order.lines.all()})
    # Text and HTML share the order, so its prefetched backorders (and its money) are read once
    # for both.
    assert _backorders_and_money(_plugin_queries(ctx)) == (1, 1)
    assert messages["body"].count("2 of 2 on backorder") == num_lines
    assert messages["html"].count("2 of 2 on backorder") == num_lines
