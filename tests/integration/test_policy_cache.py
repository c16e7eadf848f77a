"""PolicyCache: list pages pay one policy query per partner, not one per product."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from oscar.test.factories import PartnerFactory

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.policy import POLICIES_EXIST_KEY, PolicyCache, policies_exist
from tests.factories import BackorderPolicyFactory, stocked_product

pytestmark = pytest.mark.django_db


def records_of_one_partner():
    """Six stock records of one partner: two with their own policies, four inheriting."""
    partner = PartnerFactory()
    BackorderPolicyFactory(stockrecord=None, partner=partner, lead_time_days=4)
    own = [stocked_product(partner=partner, cap=3).stockrecords.get() for _ in range(2)]
    inheriting = [stocked_product(partner=partner, mode=None).stockrecords.get() for _ in range(4)]
    return own, inheriting


def resolve_one_by_one(cache, records):
    return [cache.get(record) for record in records]


def test_one_query_serves_every_product_of_a_partner_when_a_page_asks_one_by_one():
    own, inheriting = records_of_one_partner()
    cache = PolicyCache()
    with CaptureQueriesContext(connection) as queries:
        policies = resolve_one_by_one(cache, own + inheriting)
    assert len(queries) == 1
    assert [p.cap for p in policies] == [3, 3, None, None, None, None]
    assert all(p.mode == PolicyMode.BACKORDER for p in policies)
    assert [p.lead_time_days for p in policies[2:]] == [4, 4, 4, 4]


def test_policies_resolve_the_same_when_a_partner_has_more_than_the_prefetch_limit(monkeypatch):
    own, inheriting = records_of_one_partner()
    expected = resolve_one_by_one(PolicyCache(), own + inheriting)
    monkeypatch.setattr(PolicyCache, "partner_prefetch_limit", 1)
    cache = PolicyCache()
    with CaptureQueriesContext(connection) as queries:
        assert resolve_one_by_one(cache, own + inheriting) == expected
    # First record: the capped prefetch, the partner defaults, that record; then one each.
    assert len(queries) == 3 + 5


def test_a_record_policy_created_later_is_seen_by_the_next_request():
    _own, inheriting = records_of_one_partner()
    PolicyCache().get(inheriting[0])
    BackorderPolicyFactory(stockrecord=inheriting[0], mode=PolicyMode.OFF)
    assert PolicyCache().get(inheriting[0]).mode == PolicyMode.OFF


# --- a shop with no policy anywhere: no lookup on the customer's pages (policies_exist) ---------


def _customer_page_policy(record):
    """The policy a customer's page (the strategy's cache, a new one per request) resolves."""
    return PolicyCache(skip_when_none_exist=True).get(record)


def _bulk_policy(record, mode):
    """A policy written the way no signal sees (``bulk_create``), as another tool might."""
    BackorderPolicy = get_model("oscar_backorders", "BackorderPolicy")
    BackorderPolicy.objects.bulk_create(
        [BackorderPolicy(stockrecord=record, mode=mode, lead_time_days=10)]
    )


def test_no_policy_query_on_a_customer_page_when_no_policy_exists_anywhere():
    record = stocked_product(num_in_stock=5, mode=None).stockrecords.get()
    assert _customer_page_policy(record).mode == PolicyMode.OFF  # asks once: no policy
    with CaptureQueriesContext(connection) as queries:
        policy = _customer_page_policy(record)
    assert len(queries) == 0
    assert policy == PolicyCache().get(record)  # exactly what the lookup resolves


def test_the_first_policy_is_seen_by_the_next_request_once_saved():
    record = stocked_product(num_in_stock=0, mode=None).stockrecords.get()
    assert _customer_page_policy(record).mode == PolicyMode.OFF
    BackorderPolicyFactory(stockrecord=record, mode=PolicyMode.BACKORDER)
    assert _customer_page_policy(record).mode == PolicyMode.BACKORDER


def test_a_request_that_found_no_policy_does_not_hide_one_saved_meanwhile(monkeypatch):
    record = stocked_product(num_in_stock=0, mode=None).stockrecords.get()
    manager = get_model("oscar_backorders", "BackorderPolicy")._default_manager
    found_none = manager.exists

    def another_process_saves_the_first_policy_while_we_look():
        answer = found_none()
        BackorderPolicyFactory(stockrecord=record, mode=PolicyMode.BACKORDER)
        return answer

    monkeypatch.setattr(manager, "exists", another_process_saves_the_first_policy_while_we_look)
    assert policies_exist() is False
    monkeypatch.undo()
    assert caches["default"].get(POLICIES_EXIST_KEY) is True
    assert _customer_page_policy(record).mode == PolicyMode.BACKORDER


def test_the_lookup_runs_when_the_shop_wide_mode_is_not_off(settings):
    record = stocked_product(num_in_stock=0, mode=None).stockrecords.get()
    assert policies_exist() is False
    _bulk_policy(record, PolicyMode.OFF)  # unseen by the cached fact
    settings.BACKORDERS_DEFAULT_MODE = PolicyMode.BACKORDER
    # A stale "no policy" must not make this record backorderable: its own policy says off.
    assert _customer_page_policy(record).mode == PolicyMode.OFF


def test_background_work_always_looks_policies_up():
    record = stocked_product(num_in_stock=0, mode=None).stockrecords.get()
    assert policies_exist() is False
    _bulk_policy(record, PolicyMode.BACKORDER)
    assert PolicyCache().get(record).mode == PolicyMode.BACKORDER


def test_one_lookup_and_no_presence_query_when_the_cache_stores_nothing(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    record = stocked_product(num_in_stock=0).stockrecords.get()
    with CaptureQueriesContext(connection) as queries:
        assert _customer_page_policy(record).mode == PolicyMode.BACKORDER
    assert len(queries) == 1
