"""The API's OpenAPI 3 schema (drf-spectacular): only the plugin's endpoints, at the paths the
shop serves them under (its ``ROOT_URLCONF``), whatever else the shop's API has."""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView


def only_backorders(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """drf-spectacular preprocessing hook: keep the endpoints of :mod:`oscar_backorders.api`."""
    kept = []
    for path, path_regex, method, callback in endpoints:
        view = getattr(callback, "cls", None)
        module = getattr(view, "__module__", "")
        if module.startswith("oscar_backorders.api.") and module != __name__:
            kept.append((path, path_regex, method, callback))
    return kept


SETTINGS = {
    "TITLE": "oscar_backorders API",
    "DESCRIPTION": (
        "Backorders and pre-orders of an Oscar shop: what a customer's order is waiting for and "
        "the actions on it, the merchant's queue and supply (docs/api.md)."
    ),
    "VERSION": "1",
    "PREPROCESSING_HOOKS": ["oscar_backorders.api.schema.only_backorders"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status": each its own enum, named after its choices.
    "ENUM_NAME_OVERRIDES": {
        "BackorderStatusEnum": "oscar_backorders.abstract_models.BackorderStatus",
        "PurchaseOrderStatusEnum": "oscar_backorders.supply.abstract_models.PurchaseOrderStatus",
        "PurchaseOrderLineStatusEnum": (
            "oscar_backorders.supply.abstract_models.PurchaseOrderLineStatus"
        ),
        "DelayDecisionEnum": "oscar_backorders.notifications.abstract_models.DelayDecision",
    },
}


class SchemaView(SpectacularAPIView):
    """``GET …/schema/``: the schema, YAML or JSON (``?format=json``)."""

    custom_settings = SETTINGS
