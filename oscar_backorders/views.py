"""The plugin's customer pages. Thin: they find what the customer may see, call a service, render.

- Cancel the waiting units of one line of one's own order (a confirmation page, then a POST that
  calls :func:`oscar_backorders.services.cancel_units`). Registered customers reach only their own
  orders; orders placed without an account are reached through Oscar's order-status link (its
  verification hash, plus the email address the customer confirmed on Oscar's status form).
  Anything else is a 404, as in Oscar.
- "Ships later": products that can be ordered now but ship later (backorder or pre-order), as a
  grid of Oscar's product tiles with their dates, sortable (``oscar_backorders.ships_later``); the
  sorted list is cached (``BACKORDERS_SHIPS_LATER_CACHE_SECONDS``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.core.loading import get_class, get_model

from oscar_backorders import ships_later
from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.locks import lock_backorder_lines
from oscar_backorders.services import cancel_units
from oscar_backorders.templatetags.backorder_tags import LineState, order_money_tag

Order = get_model("order", "Order")
AnonymousOrderMixin = get_class("customer.mixins", "AnonymousOrderMixin")


class CancelWaitingForm(forms.Form):
    """How many of a line's waiting units to cancel (1 … waiting)."""

    quantity = forms.IntegerField(
        label=_("Number of waiting items to cancel"),
        min_value=1,
        error_messages={
            "required": _("Enter how many waiting items to cancel."),
            "invalid": _("Enter a whole number of items."),
            "min_value": _("Cancel at least 1 item."),
        },
    )

    def __init__(self, *args: Any, state: LineState, **kwargs: Any) -> None:
        self.state = state
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs.update(min=1, max=state.waiting)

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        if quantity > self.state.waiting:
            raise forms.ValidationError(self.too_many_message())
        return quantity

    def too_many_message(self) -> str:
        return ngettext(
            "Only %(waiting)d item of %(title)s is still waiting; "
            "items already shipped or ready to ship cannot be cancelled here.",
            "Only %(waiting)d items of %(title)s are still waiting; "
            "items already shipped or ready to ship cannot be cancelled here.",
            self.state.waiting,
        ) % {"waiting": self.state.waiting, "title": self.state.line.title}


class CancelWaitingView(generic.FormView):
    """Confirm (GET) and cancel (POST) the waiting units of one line of the customer's order."""

    form_class = CancelWaitingForm
    template_name = "oscar_backorders/cancel_waiting.html"

    def get_order(self) -> Any:
        return get_object_or_404(Order, user=self.request.user, number=self.kwargs["order_number"])

    def order_url(self) -> str:
        return reverse("customer:order", kwargs={"order_number": self.order.number})

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.is_allowed_to_look(request):
            return redirect_to_login(request.get_full_path())
        self.order = self.get_order()
        line = get_object_or_404(
            self.order.lines.select_related("backorder"), pk=self.kwargs["line_id"]
        )
        self.state = LineState.of(line)
        if not self.state.can_cancel:
            messages.error(
                request,
                gettext(
                    "Nothing of %(title)s is waiting for stock any more, so there is nothing "
                    "to cancel: it has shipped, is ready to ship or was cancelled."
                )
                % {"title": line.title},
            )
            return HttpResponseRedirect(self.order_url())
        return super().dispatch(request, *args, **kwargs)

    def is_allowed_to_look(self, request: Any) -> bool:
        return request.user.is_authenticated

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["state"] = self.state
        kwargs.setdefault("initial", {})["quantity"] = self.state.waiting
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(order=self.order, state=self.state, order_url=self.order_url())
        return ctx

    def form_valid(self, form: CancelWaitingForm) -> Any:
        quantity = form.cleaned_data["quantity"]
        actor = self.request.user if self.request.user.is_authenticated else None
        try:
            with transaction.atomic():
                # Re-check under the row lock: stock may have been allocated to the line since
                # the page was shown, and units ready to ship are not the customer's to cancel.
                locked = lock_backorder_lines([self.state.backorder_id])[self.state.backorder_id]
                if quantity > locked.quantity_waiting:
                    form.state = LineState.of(locked.line)
                    raise forms.ValidationError(form.too_many_message())
                cancel_units(
                    locked.pk,
                    quantity,
                    actor=actor,
                    reason=gettext("Cancelled by the customer from the order page"),
                    by_customer=True,
                )
        except forms.ValidationError as exc:
            form.add_error("quantity", exc)
            return self.form_invalid(form)
        except BackorderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if order_money_tag(self.order) is not None:
            message = ngettext(
                "%(count)d waiting item of %(title)s was cancelled. You are not charged for it: "
                "the money held on your card for it is released.",
                "%(count)d waiting items of %(title)s were cancelled. You are not charged for "
                "them: the money held on your card for them is released.",
                quantity,
            )
        else:
            message = ngettext(
                "%(count)d waiting item of %(title)s was cancelled. If you have already paid "
                "for it, we refund its price.",
                "%(count)d waiting items of %(title)s were cancelled. If you have already paid "
                "for them, we refund their price.",
                quantity,
            )
        messages.success(
            self.request, message % {"count": quantity, "title": self.state.line.title}
        )
        return HttpResponseRedirect(self.order_url())


class AnonymousCancelWaitingView(AnonymousOrderMixin, CancelWaitingView):
    """The same for orders placed without an account, through Oscar's order-status link."""

    def is_allowed_to_look(self, request: Any) -> bool:
        return True

    def get_order(self) -> Any:
        order = AnonymousOrderMixin.get_object(self)
        if order is None:
            raise Http404(gettext("No order matches this link."))
        return order

    def order_url(self) -> str:
        return reverse(
            "customer:anon-order",
            kwargs={"order_number": self.order.number, "hash": self.kwargs["hash"]},
        )


class ShipsLaterView(generic.TemplateView):
    """R11: everything that can be ordered now but takes longer to arrive, as a product grid.

    Sorted by ``?sort_by=`` (soonest ship date first unless asked otherwise; an unknown order is
    refused with a message under the choice and the default used), paginated. The sorted rows
    are cached (``BACKORDERS_SHIPS_LATER_CACHE_SECONDS``); the tiles show live dates.
    """

    template_name = "oscar_backorders/ships_later.html"

    def get_rows(self) -> list[ships_later.Row]:
        today = timezone.localdate()
        key = ships_later.rows_cache_key(self.request.strategy, today)
        rows = cache.get(key)
        if rows is None:
            ids = ships_later.ships_later_product_ids(today)
            rows = ships_later.ships_later_rows(self.request.strategy, ids)
            cache.set(key, rows, backorder_settings.SHIPS_LATER_CACHE_SECONDS)
        return rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        form = ships_later.ShipsLaterSortForm(self.request.GET or None)
        rows = ships_later.sorted_rows(self.get_rows(), form.sort())
        paginator = Paginator(rows, backorder_settings.SHIPS_LATER_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        products = ships_later.load_products([row.pk for row in page.object_list])
        ctx.update(
            form=form,
            paginator=paginator,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            products=products,
        )
        return ctx
