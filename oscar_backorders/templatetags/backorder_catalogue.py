"""Template tags for product tiles (category, search and "ships later" pages).

A list page readies its tiles once, then each tile asks for what was readied::

    {% load backorder_catalogue %}
    {% backorder_prepare_tiles request page_obj %}
    ...
    {% backorder_tile request product as backorder_session %}
    {% if backorder_session %}{{ backorder_session.availability.dated_message }}{% endif %}

``backorder_prepare_tiles`` costs a fixed few queries per page and dates every tile in one
estimator call (see ``Backorders.prepare_product_list``); ``backorder_tile`` never queries. A
tile whose product ships now, or has no backorder policy, gets ``None`` and stays Oscar's.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import prefetch_related_objects

from oscar_backorders.templatetags.backorder_tags import ships_later

register = template.Library()


def tile_products(items: Any) -> list[Any]:
    """The products behind ``items``: a page, a list of search results or of products."""
    items = getattr(items, "object_list", items) or []
    # A search result's ``object`` is loaded once and kept, so the tiles reuse it.
    return [getattr(item, "object", item) for item in items]


@register.simple_tag
def backorder_prepare_tiles(request: Any, items: Any) -> str:
    """``{% backorder_prepare_tiles request page_obj %}``: ready the page's tiles (renders nothing)."""
    strategy = getattr(request, "strategy", None)
    prepare = getattr(strategy, "prepare_product_list", None)
    if prepare is not None:
        prepare(tile_products(items))
    return ""


@register.simple_tag
def backorder_tile(request: Any, product: Any) -> Any | None:
    """``{% backorder_tile request product as session %}``: the readied purchase info of a
    product that ships later, else ``None``. Never queries."""
    strategy = getattr(request, "strategy", None)
    fetched = getattr(strategy, "fetched_purchase_info", None)
    info = fetched(product) if fetched is not None else None
    if info is None or not ships_later(info.availability):
        return None
    return info


@register.simple_tag
def backorder_product_session(request: Any, product: Any) -> Any | None:
    """``{% backorder_product_session request product as session %}``: a product page's purchase
    info when the product ships later, else ``None``.

    Costs what Oscar's own stock-record partial would: its stock records are loaded in one query
    that the partial then reuses, and nothing at all while no policy exists anywhere.
    """
    strategy = getattr(request, "strategy", None)
    policies = getattr(strategy, "backorder_policies", None)
    if policies is None or product is None or policies.none_exist():
        return None
    if "stockrecords" not in getattr(product, "_prefetched_objects_cache", {}):
        prefetch_related_objects([product], "stockrecords")
    info = strategy.shown_purchase_info(product)
    return info if ships_later(info.availability) else None
