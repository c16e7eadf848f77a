"""What the supply admin's pages share: a confirmed arrival date held back from the model save
and recorded through its service, and the message a receipt leaves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oscar_backorders.supply.confirmations import (
    ConfirmationRefused,
    confirm_arrival,
    withdraw_confirmation,
)


def hold_confirmation(form: forms.ModelForm) -> tuple[bool, Any]:
    """Put back the stored confirmed arrival before the model save; return (changed, new date).

    :class:`~oscar_backorders.supply.forms.PurchaseOrderLineForm` checked the new date; the
    caller records it with :func:`apply_confirmation` once the line is saved.
    """
    if "confirmed_date" not in form.changed_data:
        return False, None
    form.instance.confirmed_date = form.initial.get("confirmed_date")
    return True, form.cleaned_data.get("confirmed_date")


def apply_confirmation(request: HttpRequest, line: Any, day: Any) -> None:
    """Record (or, with no date, withdraw) a confirmed arrival through the service."""
    try:
        if day is None:
            withdraw_confirmation(line.pk, actor=request.user)
        else:
            confirm_arrival(line.pk, day, actor=request.user)
    except ConfirmationRefused as exc:
        messages.error(request, str(exc))


def receipt_message(receipt: Any) -> str:
    return _(
        "Received %(quantity)d × %(sku)s; %(units)d unit(s) allocated to %(lines)d waiting "
        "line(s); %(changed)d estimate(s) changed."
    ) % {
        "quantity": receipt.quantity,
        "sku": receipt.purchase_order_line.stockrecord.partner_sku,
        "units": receipt.allocation.units,
        "lines": len(receipt.allocation.allocations),
        "changed": len(receipt.estimate_changes),
    }
