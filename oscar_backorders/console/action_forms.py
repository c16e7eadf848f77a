"""The confirmation forms of the queue's actions: each validates its input against every selected
line and refuses the whole action, naming the lines, when one of them cannot take the change."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oscar_backorders.formatting import order_date


def _describe(line: Any) -> str:
    return _("order %(number)s, %(title)s") % {
        "number": line.order.number,
        "title": line.line.title,
    }


def _refuse_lines(lines: Sequence[Any], message: str) -> None:
    if lines:
        raise forms.ValidationError(f"{message} {'; '.join(_describe(line) for line in lines)}")


class LinesActionForm(forms.Form):
    """Base of the confirmation forms: knows the selected lines and today's date."""

    def __init__(self, *args: Any, lines: Sequence[Any], today: datetime.date, **kwargs: Any):
        self.lines = list(lines)
        self.today = today
        super().__init__(*args, **kwargs)


class EstimateForm(LinesActionForm):
    new_date = forms.DateField(
        label=gettext_lazy("New estimated ship date"),
        required=False,
        widget=AdminDateWidget(),
        localize=True,  # as the page's language writes dates; ISO dates are taken too
    )
    shift_days = forms.IntegerField(
        label=gettext_lazy("…or shift the current estimate by (days)"),
        required=False,
        min_value=-365,
        max_value=365,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (the customer may be told)"), max_length=255
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        new_date, shift = data.get("new_date"), data.get("shift_days")
        if self.errors:
            return data
        if (new_date is None) == (shift is None) or shift == 0:
            raise forms.ValidationError(
                _("Give either a new date or a number of days to shift by (not zero), not both.")
            )
        if new_date is not None and new_date < self.today:
            self.add_error(
                "new_date",
                _("The date %(date)s is in the past.") % {"date": order_date(new_date)},
            )
            return data
        _refuse_lines(
            [line for line in self.lines if line.quantity_open <= 0],
            _("Nothing is open any more on:"),
        )
        if shift is not None:
            _refuse_lines(
                [
                    line
                    for line in self.lines
                    if line.estimated_date + datetime.timedelta(days=shift) < self.today
                ],
                _("Shifting by %(days)d days would put the estimate in the past for:")
                % {"days": shift},
            )
        return data

    def new_date_for(self, line: Any) -> datetime.date:
        if self.cleaned_data["new_date"] is not None:
            return self.cleaned_data["new_date"]
        return line.estimated_date + datetime.timedelta(days=self.cleaned_data["shift_days"])


class PriorityForm(LinesActionForm):
    priority = forms.IntegerField(
        label=gettext_lazy("New priority (higher is served first)"),
        min_value=-1000,
        max_value=1000,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            _refuse_lines(
                [line for line in self.lines if line.quantity_waiting <= 0],
                _("Nothing is waiting for stock on:"),
            )
        return data


class QuantityForm(LinesActionForm):
    """A quantity per selected line (empty: all of it) checked against what each line has."""

    #: Name of the line property that bounds the quantity, and how to say it.
    available_attr = "quantity_waiting"
    none_available = gettext_lazy("No units are waiting on:")
    too_many = gettext_lazy("Fewer than %(quantity)d units are waiting on:")

    quantity = forms.IntegerField(
        label=gettext_lazy("Units per line (empty: all of them)"), min_value=1, required=False
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        _refuse_lines(
            [line for line in self.lines if getattr(line, self.available_attr) <= 0],
            str(self.none_available),
        )
        quantity = data.get("quantity")
        if quantity is not None:
            _refuse_lines(
                [line for line in self.lines if getattr(line, self.available_attr) < quantity],
                str(self.too_many) % {"quantity": quantity},
            )
        return data

    def quantity_for(self, line: Any) -> int:
        return self.cleaned_data["quantity"] or getattr(line, self.available_attr)


class CancelForm(QuantityForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason (the customer is told)"),
        max_length=255,
    )


class ShipForm(QuantityForm):
    available_attr = "quantity_allocated"
    none_available = gettext_lazy("No units are ready to ship on:")
    too_many = gettext_lazy("Fewer than %(quantity)d units are ready to ship on:")
    reason = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)


class AllocateForm(LinesActionForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=255,
        initial=gettext_lazy("Allocated from the admin"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            _refuse_lines(
                [line for line in self.lines if not line.stockrecord_id],
                _("These lines have no stock record to allocate from:"),
            )
            _refuse_lines(
                [line for line in self.lines if line.quantity_waiting <= 0],
                _("Nothing is waiting for stock on:"),
            )
        return data
