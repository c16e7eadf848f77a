"""A customer changes quantities in the basket while backordered lines are in it.

Every change goes through Oscar's real basket page and its line formset, as the Update button
sends it (a plain POST, or Oscar's AJAX submit). The forked shop (``test_forked_shop.py``) runs
these too: without the plugin's basket mixins, raising, lowering and removing still work (the
line's availability policy answers Oscar's change-in-quantity question); the refusal's message and
the redraw of the saved basket need the mixins, so those tests are skipped there.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from oscar.apps.basket.forms import BasketLineForm as OscarBasketLineForm
from oscar.core.loading import get_class, get_model

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.basket import BackorderBasketLineFormMixin
from tests.factories import stocked_product
from tests.functional.checkout import add_to_basket

pytestmark = pytest.mark.django_db

Line = get_model("basket", "Line")
BasketLineForm = get_class("basket.forms", "BasketLineForm")
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
with_basket_mixins = pytest.mark.skipif(
    not issubclass(BasketLineForm, BackorderBasketLineFormMixin),
    reason="the shop composes neither the plugin's loader nor its basket mixins",
)


@pytest.fixture
def products(today):
    def titled(title, **kwargs):
        product = stocked_product(**kwargs)
        product.title = title
        product.save()
        return product

    return {
        "notebook": titled("Field notebook", num_in_stock=50, mode=None, price=Decimal("4.00")),
        "pourover": titled("Pour-over", num_in_stock=0, price=Decimal("12.00")),
        "print": titled("Limited print", num_in_stock=0, cap=5, price=Decimal("25.00")),
    }


def saved_quantities():
    return {line.product.title: line.quantity for line in Line.objects.all()}


def update(client, quantities, url=None, **extra):
    """Press Update on the basket page with ``quantities`` ({product: quantity}) in its inputs."""
    formset = client.get(reverse("basket:summary")).context["formset"]
    data = {f"form-{name}": value for name, value in formset.management_form.initial.items()}
    for index, form in enumerate(formset.forms):
        product = form.instance.product
        data[f"form-{index}-id"] = form.instance.pk
        data[f"form-{index}-quantity"] = quantities.get(product, form.instance.quantity)
    return client.post(url or reverse("basket:summary"), data, **extra)


def totals(html):
    """The basket's totals box as the page draws it."""
    start = html.index('<div id="basket_totals">')
    return html[start : html.index("Proceed to checkout", start)]


def errors(response):
    return {
        form.instance.product.title: [str(e) for e in form.errors.get("quantity", [])]
        for form in response.context["formset"].forms
        if form.errors
    }


def test_in_stock_line_is_raised_when_a_backordered_line_is_in_the_basket(client, products):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["pourover"], 3)

    response = update(client, {products["notebook"]: 2})

    assert response.status_code == 302
    assert saved_quantities() == {"Field notebook": 2, "Pour-over": 3}
    page = client.get(reverse("basket:summary"))
    assert page.context["order_total"].incl_tax == Decimal("44.00")
    assert "3 backordered — ships by 8 Dec" in page.content.decode()


def test_backordered_line_is_lowered_when_its_quantity_is_reduced(client, products):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["pourover"], 3)

    response = update(client, {products["pourover"]: 1})

    assert response.status_code == 302
    assert saved_quantities() == {"Field notebook": 1, "Pour-over": 1}
    page = client.get(reverse("basket:summary"))
    assert page.context["order_total"].incl_tax == Decimal("16.00")
    assert "1 backordered — ships by 8 Dec" in page.content.decode()


def test_capped_line_is_raised_to_its_cap_when_each_unit_counts_once(client, products):
    add_to_basket(client, products["print"], 3)

    response = update(client, {products["print"]: 5})

    assert response.status_code == 302
    assert saved_quantities() == {"Limited print": 5}


@with_basket_mixins
def test_raise_is_refused_and_nothing_changes_when_a_capped_line_goes_beyond_its_cap(
    client, products
):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["print"], 3)
    before = client.get(reverse("basket:summary")).content.decode()

    # The notebook's change is fine on its own; the print's is not, so neither is saved.
    response = update(client, {products["notebook"]: 2, products["print"]: 6})

    assert response.status_code == 200
    assert errors(response) == {"Limited print": ["a maximum of 5 can be ordered"]}
    assert saved_quantities() == {"Field notebook": 1, "Limited print": 3}
    html = response.content.decode()
    assert totals(html) == totals(before)
    assert response.context["order_total"].incl_tax == Decimal("79.00")
    assert "3 backordered — ships by" in html and "6 backordered" not in html
    shown = {f.instance.product.title: f.instance.quantity for f in response.context["formset"]}
    assert shown == {"Field notebook": 1, "Limited print": 3}
    assert client.get(reverse("basket:summary")).context["order_total"].incl_tax == Decimal("79.00")


@with_basket_mixins
def test_refusal_redraws_the_saved_totals_when_the_update_is_sent_by_ajax(client, products):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["print"], 3)
    before = client.get(reverse("basket:summary")).content.decode()

    response = update(client, {products["notebook"]: 2, products["print"]: 6}, **AJAX)

    assert response.status_code == 200
    html = json.loads(response.content)["content_html"]
    assert "a maximum of 5 can be ordered" in html
    assert totals(html) == totals(before)
    assert saved_quantities() == {"Field notebook": 1, "Limited print": 3}


def test_raise_is_refused_when_the_basket_would_pass_oscars_size_threshold(client, products):
    add_to_basket(client, products["pourover"], 3)

    with override_settings(OSCAR_MAX_BASKET_QUANTITY_THRESHOLD=5):
        response = update(client, {products["pourover"]: 7})

    assert response.status_code == 200
    assert errors(response) == {
        "Pour-over": [
            "Due to technical limitations we are not able to ship more than 5 items in one order."
        ]
    }
    assert saved_quantities() == {"Pour-over": 3}


def test_backordered_line_is_removed_when_its_quantity_is_set_to_zero(client, products):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["pourover"], 3)

    response = update(client, {products["pourover"]: 0})

    assert response.status_code == 302
    assert saved_quantities() == {"Field notebook": 1}


def test_in_stock_line_is_removed_when_a_backordered_line_stays(client, products):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["pourover"], 3)

    response = update(client, {products["notebook"]: 0})

    assert response.status_code == 302
    assert saved_quantities() == {"Pour-over": 3}


@with_basket_mixins
def test_removal_is_kept_and_the_saved_totals_shown_when_another_change_is_refused(
    client, products
):
    add_to_basket(client, products["notebook"], 1)
    add_to_basket(client, products["print"], 3)

    response = update(client, {products["notebook"]: 0, products["print"]: 6})

    # Oscar saves a removal even when another line is refused; the page shows what is saved.
    assert response.status_code == 200
    assert errors(response) == {"Limited print": ["a maximum of 5 can be ordered"]}
    assert saved_quantities() == {"Limited print": 3}
    assert response.context["order_total"].incl_tax == Decimal("75.00")
    html = response.content.decode()
    assert totals(html) == totals(client.get(reverse("basket:summary")).content.decode())


@with_basket_mixins
def test_backordered_line_is_lowered_when_its_cap_has_since_fallen_below_it(client, products):
    add_to_basket(client, products["print"], 5)
    policy = products["print"].stockrecords.get().backorder_policy
    policy.cap = 2
    policy.save()

    response = update(client, {products["print"]: 4})

    assert response.status_code == 302
    assert saved_quantities() == {"Limited print": 4}


@with_basket_mixins
def test_line_without_a_policy_is_judged_exactly_as_oscar_judges_it(client, products, strategy):
    scarce = stocked_product(num_in_stock=5, mode=None)
    switched_off = stocked_product(num_in_stock=5, mode=PolicyMode.OFF)
    for product in (scarce, switched_off):
        add_to_basket(client, product, 2)

    def line_form(form_class, pk, quantity):
        line = Line.objects.get(pk=pk)
        line.basket.strategy = strategy
        return form_class(strategy, data={"quantity": quantity}, instance=line)

    for pk in Line.objects.values_list("pk", flat=True):
        for quantity in (0, 1, 2, 5, 6):
            ours = line_form(BasketLineForm, pk, quantity)
            oscars = line_form(OscarBasketLineForm, pk, quantity)
            assert (ours.is_valid(), ours.errors) == (oscars.is_valid(), oscars.errors), quantity


@with_basket_mixins
def test_refusal_in_a_basket_without_backorders_is_drawn_as_oscar_draws_it(
    client, products, settings
):
    settings.ROOT_URLCONF = "tests.urls_with_oscar_basket"
    scarce = stocked_product(num_in_stock=5, mode=None)
    add_to_basket(client, scarce, 2)
    add_to_basket(client, products["notebook"], 1)
    change = {scarce: 6, products["notebook"]: 3}

    ours = update(client, change)
    oscars = update(client, change, url="/oscar-basket/")

    assert errors(ours) == errors(oscars) != {}
    assert totals(ours.content.decode()) == totals(oscars.content.decode())
