"""A member of staff manages backorder policies over the REST API with the admin's permissions
and the admin form's rules: list, read, create, change, delete."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_class, get_model
from oscar.test.factories import PartnerFactory, UserFactory

from tests.factories import stocked_product
from tests.functional.api.helpers import staff_with, url

pytestmark = pytest.mark.django_db

BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")


def written():
    return list(
        BackorderPolicy.objects.order_by("pk").values_list(
            "stockrecord_id", "partner_id", "mode", "cap", "order_cap", "customer_cap",
            "lead_time_days", "release_date",
        )
    )  # fmt: skip


@pytest.fixture
def record(today):
    return stocked_product(num_in_stock=0, mode=None).stockrecords.get()


@pytest.fixture
def policy(today):
    return stocked_product(num_in_stock=0, cap=10).stockrecords.get().backorder_policy


def test_staff_creates_a_policy_and_the_product_sells_beyond_stock(api, strategy, record):
    staff_with(api, "add_backorderpolicy")
    product = record.product
    assert not strategy.fetch_for_product(product).availability.is_purchase_permitted(1)[0]
    body = {"stockrecord": record.pk, "mode": "backorder", "cap": 5, "lead_time_days": 7}
    response = api.post(url("policies"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["stockrecord"], data["mode"], data["cap"]) == (record.pk, "backorder", 5)
    assert data["partner_sku"] == record.partner_sku
    assert BackorderPolicy.objects.get().lead_time_days == 7
    # The model's post_save ran as in the admin: the next request's strategy finds the policy.
    fresh = get_class("partner.strategy", "Selector")().strategy()
    assert fresh.fetch_for_product(product).availability.is_purchase_permitted(3)[0]


def test_policy_with_both_owners_is_refused_with_the_admins_message_and_nothing_is_written(
    api, record
):
    staff_with(api, "add_backorderpolicy")
    body = {"stockrecord": record.pk, "partner": record.partner_id, "mode": "backorder"}
    response = api.post(url("policies"), body, format="json")
    assert response.status_code == 400
    assert "exactly one stock record or one partner" in response.json()["non_field_errors"][0]
    assert written() == []


def test_bad_caps_and_a_preorder_without_release_date_are_refused_per_field(api, record):
    staff_with(api, "add_backorderpolicy")
    body = {"stockrecord": record.pk, "mode": "preorder", "cap": 0, "order_cap": -1}
    response = api.post(url("policies"), body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "at least 1" in errors["cap"][0] and "at least 1" in errors["order_cap"][0]
    assert "needs a release date" in errors["release_date"][0]
    assert written() == []


def test_unknown_fields_are_refused_and_nothing_is_written(api, record):
    staff_with(api, "add_backorderpolicy")
    body = {"stockrecord": record.pk, "mode": "backorder", "date_updated": "2020-01-01"}
    response = api.post(url("policies"), body, format="json")
    assert response.status_code == 400 and response.json()["date_updated"]
    assert written() == []


def test_staff_changes_only_the_fields_given_when_patching_a_policy(api, policy):
    staff_with(api, "change_backorderpolicy")
    response = api.patch(url("policy", policy.pk), {"order_cap": 3}, format="json")
    assert response.status_code == 200, response.json()
    policy.refresh_from_db()
    assert (policy.order_cap, policy.cap, policy.mode) == (3, 10, "backorder")


def test_patch_breaking_a_rule_is_refused_and_the_policy_is_unchanged(api, policy, today):
    staff_with(api, "change_backorderpolicy")
    before = written()
    past = str(today - dt.timedelta(days=1))
    response = api.patch(
        url("policy", policy.pk), {"mode": "preorder", "release_date": past}, format="json"
    )
    assert response.status_code == 400
    assert "must be in the future" in response.json()["release_date"][0]
    response = api.patch(
        url("policy", policy.pk), {"order_cap": 5, "customer_cap": 2}, format="json"
    )
    assert response.status_code == 400 and "per customer" in response.json()["order_cap"][0]
    assert written() == before


def test_staff_deletes_a_policy(api, policy):
    staff_with(api, "delete_backorderpolicy")
    assert api.delete(url("policy", policy.pk)).status_code == 204
    assert written() == []


def test_staff_lists_policies_filtered_by_partner_and_mode(api, policy, record):
    partner = PartnerFactory()
    BackorderPolicy.objects.create(partner=partner, mode="off")
    staff_with(api, "view_backorderpolicy")
    data = api.get(url("policies")).json()
    assert data["count"] == 2
    mine = api.get(url("policies"), {"partner": partner.pk}).json()["results"]
    assert [p["partner_name"] for p in mine] == [partner.name]
    by_record = api.get(url("policies"), {"partner": policy.stockrecord.partner_id}).json()
    assert [p["id"] for p in by_record["results"]] == [policy.pk]
    assert api.get(url("policies"), {"mode": "off"}).json()["count"] == 1
    assert api.get(url("policies"), {"stockrecord": record.pk}).json()["count"] == 0
    response = api.get(url("policies"), {"mode": "sometimes"})
    assert response.status_code == 400 and response.json()["mode"]


def test_staff_reads_one_policy_and_an_unknown_one_is_not_found(api, policy):
    staff_with(api, "view_backorderpolicy", "change_backorderpolicy", "delete_backorderpolicy")
    assert api.get(url("policy", policy.pk)).json()["cap"] == 10
    assert api.get(url("policy", 99999)).status_code == 404
    assert api.patch(url("policy", 99999), {"cap": 2}, format="json").status_code == 404
    assert api.delete(url("policy", 99999)).status_code == 404


def test_policy_list_costs_the_same_queries_whatever_its_length(api, policy):
    staff_with(api, "view_backorderpolicy")
    api.get(url("policies"))
    with CaptureQueriesContext(connection) as one:
        assert api.get(url("policies")).json()["count"] == 1
    for _ in range(5):
        stocked_product(num_in_stock=0, cap=2)
    BackorderPolicy.objects.create(partner=PartnerFactory(), mode="off")
    with CaptureQueriesContext(connection) as seven:
        assert api.get(url("policies")).json()["count"] == 7
    assert len(one) == len(seven)


@pytest.mark.parametrize(
    ("method", "granted"),
    [
        ("get", ("add_backorderpolicy", "change_backorderpolicy", "delete_backorderpolicy")),
        ("post", ("view_backorderpolicy", "change_backorderpolicy")),
        ("patch", ("view_backorderpolicy", "add_backorderpolicy")),
        ("delete", ("view_backorderpolicy", "change_backorderpolicy")),
    ],
)
def test_each_policy_action_is_forbidden_without_its_permission(api, policy, method, granted):
    staff_with(api, *granted)
    before = written()
    target = url("policies") if method == "post" else url("policy", policy.pk)
    body = {"stockrecord": policy.stockrecord_id, "mode": "off", "cap": 1}
    response = getattr(api, method)(target, body, format="json")
    assert response.status_code == 403
    assert written() == before


def test_customers_cannot_reach_policies(api, policy):
    api.force_authenticate(UserFactory())
    assert api.get(url("policies")).status_code == 403
    assert api.delete(url("policy", policy.pk)).status_code == 403
    assert BackorderPolicy.objects.exists()
