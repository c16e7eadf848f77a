"""The merchant's Django admin: policy editing with validation, the backordered-lines list."""

import datetime as dt

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import PartnerFactory, UserFactory

from oscar_backorders.abstract_models import PolicyMode
from tests.factories import BackorderPolicyFactory, stocked_product
from tests.integration.test_placement import basket_with, place

pytestmark = pytest.mark.django_db

BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")


def new_record():
    return stocked_product(num_in_stock=0, mode=None).stockrecords.get()


@pytest.fixture
def merchant(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def add_policy(client, **data):
    payload = {"mode": PolicyMode.BACKORDER, "cap": "", "lead_time_days": "", "release_date": ""}
    payload.update(data)
    return client.post(reverse("admin:oscar_backorders_backorderpolicy_add"), payload)


def test_merchant_creates_a_policy_for_a_stock_record(merchant):
    record = new_record()
    response = add_policy(merchant, stockrecord=record.pk, cap=5, lead_time_days=7)
    assert response.status_code == 302
    policy = BackorderPolicy.objects.get()
    assert (policy.stockrecord, policy.cap, policy.lead_time_days) == (record, 5, 7)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cap", 0, "The backorder cap must be at least 1"),
        ("cap", -3, "The backorder cap must be at least 1"),
        ("lead_time_days", 0, "The lead time must be at least 1 business day"),
        ("lead_time_days", -1, "The lead time must be at least 1 business day"),
    ],
)
def test_policy_with_nonpositive_number_is_refused_when_saved_in_admin(
    merchant, field, value, message
):
    record = new_record()
    response = add_policy(merchant, stockrecord=record.pk, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BackorderPolicy.objects.exists()


def test_preorder_without_release_date_is_refused(merchant):
    response = add_policy(merchant, stockrecord=new_record().pk, mode=PolicyMode.PREORDER)
    assert "A pre-order needs a release date." in response.content.decode()
    assert not BackorderPolicy.objects.exists()


def test_preorder_with_release_date_in_the_past_is_refused(merchant, today):
    response = add_policy(
        merchant,
        stockrecord=new_record().pk,
        mode=PolicyMode.PREORDER,
        release_date=(today - dt.timedelta(days=1)).isoformat(),
    )
    assert "must be in the future" in response.content.decode()
    assert not BackorderPolicy.objects.exists()


def test_policy_for_both_a_stock_record_and_a_partner_is_refused(merchant):
    response = add_policy(merchant, stockrecord=new_record().pk, partner=PartnerFactory().pk)
    assert "exactly one stock record or one partner" in response.content.decode()
    assert not BackorderPolicy.objects.exists()


def test_policy_for_neither_is_refused(merchant):
    response = add_policy(merchant)
    assert "exactly one stock record or one partner" in response.content.decode()
    assert not BackorderPolicy.objects.exists()


def test_stock_record_admin_edits_the_policy_inline(merchant):
    record = new_record()
    url = reverse("admin:partner_stockrecord_change", args=[record.pk])
    page = merchant.get(url)
    assert page.status_code == 200
    assert "backorder policy" in page.content.decode().lower()
    assert "backorder_policy-TOTAL_FORMS" in page.content.decode()


def test_partner_admin_edits_the_partner_default_inline(merchant):
    partner = PartnerFactory()
    page = merchant.get(reverse("admin:partner_partner_change", args=[partner.pk]))
    assert "default backorder policy" in page.content.decode().lower()


def test_staff_without_permission_cannot_change_policies(client):
    client.force_login(UserFactory(is_staff=True))
    policy = BackorderPolicyFactory(stockrecord=new_record(), cap=3)
    url = reverse("admin:oscar_backorders_backorderpolicy_change", args=[policy.pk])
    response = client.post(url, {"stockrecord": policy.stockrecord_id, "mode": "off", "cap": 9})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert (policy.mode, policy.cap) == (PolicyMode.BACKORDER, 3)


def _make_orders(strategy, count, start):
    for n in range(count):
        product = stocked_product(num_in_stock=0)
        place(basket_with(strategy, (product, 2)), number=str(start + n))


def test_backordered_lines_changelist_searches_and_costs_constant_queries(
    merchant, strategy, today, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:oscar_backorders_backorderline_changelist")
    _make_orders(strategy, 2, 1000)
    with CaptureQueriesContext(connection) as few:
        assert merchant.get(url).status_code == 200
    _make_orders(strategy, 12, 2000)
    with CaptureQueriesContext(connection) as many:
        response = merchant.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count("2000") >= 1
    found = merchant.get(url, {"q": "2003"})
    assert "2003" in found.content.decode()
    assert "1 result" in found.content.decode()


def test_backordered_lines_cannot_be_added_or_deleted_in_admin(merchant, strategy, today):
    place(basket_with(strategy, (stocked_product(num_in_stock=0), 1)))
    assert merchant.get(reverse("admin:oscar_backorders_backorderline_add")).status_code == 403
