"""PolicyCache: list pages pay one policy query per partner, not one per product."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.test.factories import PartnerFactory

from oscar_backorders.abstract_models import PolicyMode
from oscar_backorders.policy import PolicyCache
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
