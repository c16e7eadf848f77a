"""The API's OpenAPI schema is served, lists every endpoint, and generates without a warning."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_schema_is_generated_without_warnings_or_errors():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from oscar_backorders.api.schema import SETTINGS

    GENERATOR_STATS.reset()
    with patched_settings(SETTINGS):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache, dict(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._error_cache)
    paths = set(schema["paths"])
    assert "/api/backorders/orders/{order_number}/" in paths
    assert "/api/backorders/queue/set-estimate/" in paths
    assert "/api/backorders/purchase-order-lines/{id}/receive/" in paths
    assert "/api/backorders/purchase-order-lines/{id}/cancel/" in paths
    assert "/api/backorders/purchase-order-lines/{id}/withdraw-confirmation/" in paths
    assert {"/api/backorders/policies/", "/api/backorders/policies/{id}/"} <= paths
    assert {"/api/backorders/suppliers/", "/api/backorders/suppliers/{id}/"} <= paths
    assert all(path.startswith("/api/backorders/") for path in paths)


def test_schema_is_served_as_json(client):
    response = client.get(reverse("oscar_backorders_api:schema") + "?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "oscar_backorders API"
