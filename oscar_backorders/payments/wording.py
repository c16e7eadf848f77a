"""What pay-when-it-ships does with the customer's card, in plain words.

The checkout preview says what placing the order will do (:func:`before_checkout`, from a
:class:`CheckoutPlan` of the basket); the thank-you page and the confirmation email say what it
did (:func:`after_checkout`, from the order's :class:`~.money.OrderMoney`). One place writes these
sentences, so the preview, the page and both versions of the email never disagree. Amounts go
through Oscar's ``currency`` filter, in the active locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from oscar.templatetags.currency_filters import currency as format_money

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.payments.amounts import units_value
from oscar_backorders.payments.money import ZERO, OrderMoney

__all__ = ["CheckoutPlan", "after_checkout", "before_checkout", "checkout_plan"]


@dataclass(frozen=True, slots=True)
class CheckoutPlan:
    """What placing the order will do: charge ``charge_now``, hold ``held`` on the card."""

    currency: str
    charge_now: Decimal
    held: Decimal


def _from_stock(line: Any) -> int:
    """Units of a basket line that ship from stock now (all of them without a policy)."""
    availability = getattr(getattr(line, "purchase_info", None), "availability", None)
    split = getattr(availability, "split", None)
    if split is None:
        return int(line.quantity)
    return int(split(line.quantity)[0])


def checkout_plan(basket: Any, order_total: Any) -> CheckoutPlan:
    """What the checkout will take for ``basket`` (``order_total`` as the preview shows it).

    Under ``BACKORDERS_PAYMENT_AT_CHECKOUT = "capture_in_stock"`` the units that ship from
    stock (and the shipping charge, when it goes with the first shipment) are charged at once,
    valued as :func:`~.upfront.in_stock_value` values them; everything else is authorised.
    """
    from oscar_backorders.payments.upfront import CAPTURE_IN_STOCK

    total = Decimal(order_total.incl_tax)
    now = ZERO
    if backorder_settings.PAYMENT_AT_CHECKOUT == CAPTURE_IN_STOCK:
        for line in basket.all_lines():
            count = min(_from_stock(line), line.quantity)
            if count > 0:
                price = line.line_price_incl_tax_incl_discounts
                now += units_value(price, line.quantity, start=0, count=count)
        if now > 0 and backorder_settings.PAYMENT_SHIPPING_CHARGE_WITH == "first":
            now += max(total - Decimal(basket.total_incl_tax), ZERO)
        now = min(now, total)
    return CheckoutPlan(currency=order_total.currency, charge_now=now, held=total - now)


def before_checkout(plan: CheckoutPlan) -> list[str]:
    """The preview's sentences: what placing the order will charge and hold."""
    now = format_money(plan.charge_now, plan.currency)
    held = format_money(plan.held, plan.currency)
    if plan.charge_now > 0 and plan.held > 0:
        return [
            _(
                "When you place your order, %(now)s is charged to your card for the items "
                "that ship now and %(held)s is authorised on your card; you are charged the "
                "rest as the other items ship."
            )
            % {"now": now, "held": held}
        ]
    if plan.charge_now > 0:
        return [
            _("When you place your order, %(amount)s is charged to your card.") % {"amount": now}
        ]
    return [
        _(
            "When you place your order, %(amount)s is authorised on your card; you are "
            "charged as items ship."
        )
        % {"amount": held},
        _("Nothing is charged now."),
    ]


def after_checkout(money: OrderMoney) -> list[str]:
    """The thank-you page's and confirmation email's sentences: what the checkout did."""
    charged = format_money(money.charged, money.currency)
    held = format_money(money.held, money.currency)
    if money.charged > 0 and money.held > 0:
        return [
            _("%(amount)s charged to your card for the items that ship now.") % {"amount": charged},
            _("%(amount)s authorised on your card; you are charged as the other items ship.")
            % {"amount": held},
        ]
    if money.held > 0:
        return [
            _("%(amount)s authorised on your card; you are charged as items ship.")
            % {"amount": held},
            _("Nothing has been charged yet."),
        ]
    if money.charged > 0 and money.to_charge <= 0:
        return [_("%(amount)s charged to your card; nothing more is due.") % {"amount": charged}]
    sentences = []
    if money.charged > 0:
        sentences.append(_("%(amount)s charged to your card.") % {"amount": charged})
    if money.to_charge > 0:
        sentences.append(
            _("%(amount)s still to charge as your items ship.")
            % {"amount": format_money(money.to_charge, money.currency)}
        )
    return sentences
