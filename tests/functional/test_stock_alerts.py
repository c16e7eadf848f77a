"""Back-in-stock alerts offered beside a backorder date: Oscar's own alert, for those who won't wait."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.abstract_models import PolicyMode
from tests.factories import stocked_product

pytestmark = pytest.mark.django_db

ProductAlert = get_model("customer", "ProductAlert")


def page_of(client, product):
    return client.get(product.get_absolute_url()).content.decode()


def test_alert_is_offered_beside_the_backorder_date_when_product_is_backordered(client, today):
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    page = page_of(client, product)
    date_at = page.index("Available on backorder — ships by 8 Dec")
    assert 'class="fas fa-clock" aria-hidden="true"' in page
    assert date_at < page.index('id="backorder_alert_form"') < page.index('id="add_to_basket_form"')
    assert "Email me when it is in stock instead" in page


def test_signed_in_customer_signs_up_from_a_backordered_product_page(client, today):
    product = stocked_product(num_in_stock=0)
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("customer:alert-create", kwargs={"pk": product.pk}), follow=True)
    alert = ProductAlert.objects.get(product=product)
    assert alert.user == user and alert.status == ProductAlert.ACTIVE
    assert "You have an active stock alert for this product." in response.content.decode()


def test_anonymous_customer_signs_up_with_an_email_from_a_backordered_product_page(client, today):
    product = stocked_product(num_in_stock=0)
    page = page_of(client, product)
    form = page.split('id="backorder_alert_form"')[1].split("</form>")[0]
    assert 'name="email"' in form
    mail.outbox.clear()
    client.post(
        reverse("customer:alert-create", kwargs={"pk": product.pk}), {"email": "ada@example.com"}
    )
    alert = ProductAlert.objects.get(product=product)
    assert alert.email == "ada@example.com" and alert.status == ProductAlert.UNCONFIRMED
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]  # Oscar's confirmation


def test_alert_made_from_the_backorder_page_is_sent_when_stock_arrives(client, today):
    product = stocked_product(num_in_stock=0)
    client.force_login(UserFactory())
    client.post(reverse("customer:alert-create", kwargs={"pk": product.pk}))
    mail.outbox.clear()
    record = product.stockrecords.get()
    record.num_in_stock = 4
    record.save()
    assert len(mail.outbox) == 1
    assert ProductAlert.objects.get(product=product).status == ProductAlert.CLOSED


def test_no_back_in_stock_alert_is_offered_when_product_is_a_preorder(client, today):
    product = stocked_product(
        num_in_stock=5, mode=PolicyMode.PREORDER, release_date=dt.date(2026, 12, 10)
    )
    page = page_of(client, product)
    assert "Pre-order — releases 10 Dec" in page and "fa-calendar-alt" in page
    assert "backorder_alert_form" not in page and 'id="alert_form"' not in page
    assert "Email me when it is in stock" not in page


def test_product_without_policy_keeps_oscars_alert_when_out_of_stock(client, today):
    sold_out = stocked_product(num_in_stock=0, mode=None)
    stocked_product(num_in_stock=0)  # the shop has policies
    page = page_of(client, sold_out)
    assert 'id="alert_form"' in page and "backorder_alert_form" not in page
    assert "You can get an email alert when this product is back in stock." in page


def test_product_without_policy_offers_no_alert_when_in_stock(client, today):
    page = page_of(client, stocked_product(num_in_stock=3, mode=None))
    assert "alert_form" not in page and "fa-check-circle" in page
