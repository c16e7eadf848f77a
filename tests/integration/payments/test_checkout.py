from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment
from oscar.core.loading import get_class, get_model

from oscar_backorders.payments.checkout import AuthoriseAtCheckoutMixin
from tests.factories import stocked_product
from tests.helpers import Free, OrderTotalCalculator, basket_with

pytestmark = pytest.mark.django_db

PaymentDetailsView = get_class("checkout.views", "PaymentDetailsView")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
Source = get_model("payment", "Source")


def checkout(strategy, token):
    basket = basket_with(strategy, (stocked_product(num_in_stock=1, price=Decimal("8.00")), 3))
    view = PaymentDetailsView()
    view.request = RequestFactory().post("/checkout/preview/", {"payment_token": token})
    view.request.user = AnonymousUser()
    shipping = Free()
    charge = shipping.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    view.handle_payment("300001", total)
    return view.place_order(
        order_number="300001",
        user=AnonymousUser(),
        basket=basket,
        shipping_address=None,
        shipping_method=shipping,
        shipping_charge=charge,
        order_total=total,
        guest_email="guest@example.com",
    )


def test_sandbox_checkout_view_is_composed_with_the_authorising_mixin():
    assert issubclass(PaymentDetailsView, AuthoriseAtCheckoutMixin)


def test_checkout_authorises_the_total_and_debits_nothing_when_order_has_backorders(
    strategy, today, gateway
):
    order = checkout(strategy, "ok")

    assert [c.method for c in gateway.calls] == ["authorise"]
    assert gateway.calls[0].params["amount"] == Decimal("24.00")
    source = order.sources.get()
    assert (source.amount_allocated, source.amount_debited) == (Decimal("24.00"), 0)
    assert source.source_type.name == "dummy"
    assert list(source.transactions.values_list("txn_type", "amount")) == [
        ("Authorise", Decimal("24.00"))
    ]
    event = order.payment_events.get()
    assert (event.event_type.name, event.amount) == ("Authorised", Decimal("24.00"))
    assert event.line_quantities.get().quantity == 3
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert (authorisation.source, authorisation.amount, authorisation.status) == (
        source,
        Decimal("24.00"),
        "active",
    )
    assert authorisation.expires_at is not None


def test_declined_card_at_checkout_is_shown_to_the_customer_and_nothing_is_recorded(
    strategy, today, gateway
):
    with pytest.raises(UnableToTakePayment, match="declined"):
        checkout(strategy, "decline")
    assert not Source.objects.exists()
    assert not PaymentAuthorisation.objects.exists()


def test_provider_timeout_at_checkout_is_a_payment_error(strategy, today, gateway):
    with pytest.raises(PaymentError):
        checkout(strategy, "timeout")
    assert not PaymentAuthorisation.objects.exists()


def test_authorisation_is_released_when_the_order_cannot_be_placed(strategy, today, gateway):
    from oscar_backorders.exceptions import BackorderCapExceeded

    basket = basket_with(strategy, (stocked_product(num_in_stock=0, cap=1), 3))
    view = PaymentDetailsView()
    view.request = RequestFactory().post("/checkout/preview/", {"payment_token": "ok"})
    view.request.user = AnonymousUser()
    shipping = Free()
    charge = shipping.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    view.handle_payment("300002", total)
    with pytest.raises(BackorderCapExceeded):
        view.handle_order_placement(
            "300002",
            AnonymousUser(),
            basket,
            None,
            shipping,
            charge,
            None,
            total,
            guest_email="guest@example.com",
        )
    assert [c.method for c in gateway.money_moves("release")] == ["release"]
    assert not PaymentAuthorisation.objects.exists()
