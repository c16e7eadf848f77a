"""Basket quantity changes with backordered lines: Oscar's basket form and view, extended.

Oscar's ``BasketLineForm`` asks a line's availability policy about the *change* in quantity
(``Basket.is_quantity_allowed(new - old, line=line)``) and then about the total of the lines that
share its stock record; an over-limit total is reported as "… exceeded because multiple lines
contain the same product", even for a single line. :class:`BackorderBasketLineFormMixin` judges
a line under a backorder policy by the quantity the basket would hold, once, with the policy's
own reason. Lines without a policy are judged by Oscar, unchanged.

Oscar's basket formset validates the basket's own (cached) line objects, and Django's
``ModelForm`` writes each accepted quantity onto its line before the formset learns that another
line was refused; the page then drew totals for quantities that were never saved.
:class:`BackorderBasketViewMixin` draws a refused update of a basket holding a backordered line
from the basket as it is saved.

The zero-fork loader composes both; a shop that forked ``basket`` composes them itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from oscar.core.loading import get_class

from oscar_backorders.availability import BackorderAvailability

Applicator = get_class("offer.applicator", "Applicator")


class BackorderBasketLineFormMixin:
    """Mixin for Oscar's ``basket.forms.BasketLineForm``.

    For a line under a backorder policy: keeping or lowering its quantity is always allowed (0
    removes it); raising it is judged by the policy against the total the basket would then hold
    of that stock record, so a cap counts each unit once. Oscar's basket-size threshold still
    applies to the units added.
    """

    instance: Any

    def _backorder_availability(self) -> BackorderAvailability | None:
        if not self.instance.id:
            return None
        availability = self.instance.purchase_info.availability
        return availability if isinstance(availability, BackorderAvailability) else None

    def check_max_allowed_quantity(self, qty: int) -> None:
        availability = self._backorder_availability()
        if availability is None:
            super().check_max_allowed_quantity(qty)  # type: ignore[misc]
            return
        line = self.instance
        # Saved quantities, not the line objects: those may already hold another form's input.
        saved = dict(
            line.basket.lines.filter(stockrecord_id=line.stockrecord_id).values_list(
                "pk", "quantity"
            )
        )
        held = saved.get(line.pk, 0)
        if qty <= held:
            return
        permitted, reason = availability.is_purchase_permitted(sum(saved.values()) - held + qty)
        if not permitted:
            raise forms.ValidationError(reason)
        # Oscar's threshold on the size of a basket (no line: the policy has spoken).
        permitted, reason = line.basket.is_quantity_allowed(qty - held)
        if not permitted:
            raise forms.ValidationError(reason)

    def check_permission(self, qty: int) -> None:
        # A backordered line was judged with the rest of the basket in check_max_allowed_quantity.
        if self._backorder_availability() is None:
            super().check_permission(qty)  # type: ignore[misc]


class BackorderBasketViewMixin:
    """Mixin for Oscar's ``basket.views.BasketView``: a refused update changes nothing shown.

    When the formset is refused and the basket holds a line under a backorder policy, the
    basket's lines are read again and its offers applied again before the page is drawn, so
    quantities, line prices, totals and availability messages are the saved ones. The refused
    line keeps the customer's input and its error. A basket without such a line is drawn by
    Oscar, as Oscar draws it.
    """

    request: Any

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        formset = kwargs.get("formset")
        if (
            formset is not None
            and formset.is_bound
            and not formset.is_valid()
            and holds_backorders(self.request.basket)
        ):
            self.show_saved_basket(formset)
        return super().get_context_data(**kwargs)  # type: ignore[misc]

    def show_saved_basket(self, formset: Any) -> None:
        basket = self.request.basket
        basket.reset_offer_applications()  # forgets the cached lines too
        if not basket.is_empty:
            Applicator().apply(basket, self.request.user, self.request)
        saved = {line.pk: line for line in basket.all_lines()}
        for form in formset.forms:
            if form.instance.pk in saved:
                form.instance = saved[form.instance.pk]


def holds_backorders(basket: Any) -> bool:
    """Whether a line of ``basket`` is under a backorder policy (its purchase info is cached)."""
    return any(
        isinstance(line.purchase_info.availability, BackorderAvailability)
        for line in basket.all_lines()
    )
