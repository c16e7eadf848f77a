"""The customer's step in the browser (3-D Secure) between asking and recording an authorisation.

When a gateway answers :class:`~.gateways.exceptions.ActionRequired`, the page (checkout preview
or confirm-payment) remembers the provider's payment in the session, shows the provider's step
with its client secret (``oscar_backorders/payments/stripe_card.html``: Stripe's Payment Element
or Card Element, :mod:`.stripe_js`), and posts the payment's reference back. :func:`confirmed`
then accepts it only if it is the one this session was asked for, for this order, and the
gateway re-reads it as authorised at the provider: the browser's word is never taken. Nothing
here moves money.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.payments import stripe_js
from oscar_backorders.payments.gateways.base import Authorisation
from oscar_backorders.payments.gateways.exceptions import ActionRequired, AuthorisationMismatch

SESSION_KEY = "backorders_payment_action"


def remember(session: Any, order_number: str, action: ActionRequired) -> None:
    session[SESSION_KEY] = {
        "order_number": str(order_number),
        "reference": action.reference,
        "client_secret": action.client_secret,
    }


def pending(session: Any, order_number: str) -> dict[str, str] | None:
    """The action this session waits for on ``order_number``, if any."""
    action = session.get(SESSION_KEY) if session is not None else None
    if isinstance(action, dict) and action.get("order_number") == str(order_number):
        return action
    return None


def forget(session: Any) -> None:
    if session is not None:
        session.pop(SESSION_KEY, None)


def confirmed(
    gateway: Any,
    session: Any,
    *,
    reference: str,
    order_number: str,
    amount: Decimal,
    currency: str,
) -> Authorisation:
    """The authorisation of a payment the customer confirmed in the browser.

    Raises :class:`AuthorisationMismatch` for a reference this session did not ask for (forged,
    another order's, or a gateway without browser confirmation); the gateway's own errors
    otherwise (``ActionRequired`` again while unfinished, ``PaymentDeclined``).
    """
    action = pending(session, order_number)
    if (
        not getattr(gateway.capabilities, "client_confirmation", False)
        or action is None
        or action["reference"] != reference
    ):
        raise AuthorisationMismatch(
            _("This payment confirmation is not for this order."), code="mismatch"
        )
    return gateway.confirmed_authorisation(
        reference, amount=amount, currency=currency, order_number=order_number
    )


def card_form_context(
    gateway: Any,
    session: Any,
    order_number: str | None,
    *,
    with_action: bool = True,
    amount: Decimal | None = None,
    currency: str = "",
) -> dict[str, Any]:
    """What ``stripe_card.html`` needs; empty when the gateway has no browser form.

    ``with_action``: run the pending 3-D Secure step (the answer to the post that asked for it);
    a later visit of the page shows the card form again instead. ``amount``/``currency``: what
    the page's post authorises; the Payment Element (``BACKORDERS_STRIPE_ELEMENT = "payment"``)
    is created with it (:mod:`.stripe_js`). Without an amount the Card Element is shown.
    """
    key = backorder_settings.STRIPE_PUBLISHABLE_KEY
    if not (key and getattr(gateway.capabilities, "client_confirmation", False)):
        return {}
    action = pending(session, order_number) if order_number and with_action else None
    language = get_language()
    element = backorder_settings.STRIPE_ELEMENT
    if element == "payment" and not (amount and currency):
        element = "card"
    return {
        "publishable_key": key,
        "js_url": backorder_settings.STRIPE_JS_URL,
        "client_secret": action["client_secret"] if action else "",
        "reference": action["reference"] if action else "",
        "element": element,
        "elements_options": (
            stripe_js.payment_element_options(amount, currency, language)
            if element == "payment" and amount and currency
            else {"locale": stripe_js.stripe_locale(language)}
        ),
    }
