"""Settings for oscar_backorders, read lazily.

Every setting is a plain value named ``BACKORDERS_<NAME>`` in the Django settings. Defaults live in
:data:`DEFAULTS`; reading a name that is not in it raises ``AttributeError`` so typos surface. The
cache is cleared on ``setting_changed`` so ``override_settings`` works in tests.

Usage::

    from oscar_backorders.app_settings import backorder_settings
    backorder_settings.DEFAULT_LEAD_TIME_DAYS
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

PREFIX = "BACKORDERS_"

DEFAULTS: dict[str, Any] = {
    # Global policy for stock records with no policy of their own and no partner default:
    # "off" (plain Oscar), "backorder" or "preorder" (preorder needs a release date, so it only
    # makes sense per stock record).
    "DEFAULT_MODE": "off",
    # Business days until a backordered unit can ship when nothing better is known.
    "DEFAULT_LEAD_TIME_DAYS": 10,
    # Business days between stock arriving and the parcel leaving.
    "HANDLING_DAYS": 0,
    # ISO weekday numbers (Monday=1 … Sunday=7) that are not business days.
    "WEEKEND_DAYS": (6, 7),
    # Dates (ISO strings or date objects) that are not business days.
    "HOLIDAYS": (),
    # Dotted path of the estimator that dates backordered units (see estimates/base.py).
    # The supply module's engine (inbound purchase orders, then lead time); the backbone's
    # "oscar_backorders.estimates.lead_time.LeadTimeEstimator" stays available.
    "ESTIMATOR": "oscar_backorders.estimates.service.SupplyEstimator",
    # Dotted path of the Selector the plugin's class loader wraps. None: Oscar's default Selector
    # composed with the backorder mixin (oscar_backorders.strategy.Selector).
    "SELECTOR": None,
    # Class loader the plugin's loader delegates to (set this if the shop had its own
    # OSCAR_DYNAMIC_CLASS_LOADER before installing the plugin).
    "DELEGATE_CLASS_LOADER": "oscar.core.loading.default_class_loader",
    # --- customer display ---
    # Products per page on the "ships later" page.
    "SHIPS_LATER_PAGE_SIZE": 20,
    # Seconds the "ships later" page keeps its list of products (estimates are always fresh).
    "SHIPS_LATER_CACHE_SECONDS": 300,
    # In-stock alternatives shown on the page of a product that would ship later (0: none).
    "ALTERNATIVES_LIMIT": 4,
    # Seconds a product page keeps its list of alternatives (0: not cached).
    "ALTERNATIVES_CACHE_SECONDS": 300,
    # --- payments ---
    # Dotted path of the payment gateway class (see oscar_backorders/payments/gateways/base.py).
    # None (the default): pay-when-it-ships is off and the shop's checkout pays as it always did.
    "PAYMENT_GATEWAY": None,
    # Days an authorisation stays capturable when the provider's answer does not say.
    "PAYMENT_AUTHORISATION_VALIDITY_DAYS": 7,
    # Re-authorise this many hours before an authorisation's capture deadline.
    "PAYMENT_REAUTHORISE_WITHIN_HOURS": 48,
    # Minutes to wait before each retry of a failed capture or release (the last one repeats).
    "PAYMENT_RETRY_DELAYS_MINUTES": (5, 30, 120, 720),
    # When the shipping charge (and surcharges) is captured: with the "first" or "last" shipment.
    "PAYMENT_SHIPPING_CHARGE_WITH": "first",
    # At checkout: "authorise" the order total, or "capture_in_stock": capture what ships from
    # stock now (with the shipping charge when it goes with the first shipment) and authorise
    # the rest.
    "PAYMENT_AT_CHECKOUT": "authorise",
    # Prefix of every idempotency key the plugin sends (make it unique per shop on one account).
    "PAYMENT_IDEMPOTENCY_PREFIX": "oscar-backorders",
    # Stripe: secret key, and an API base URL (only to point tests at localstripe).
    "STRIPE_SECRET_KEY": "",
    "STRIPE_API_BASE": None,
    # --- Supply: inbound purchase orders, available-to-promise, restock allocation ---
    # Dotted path of the class that orders waiting lines for restock allocation and dating
    # (see oscar_backorders/priorities.py). The default is FIFO unless a merchant set a priority.
    "PRIORITY_ORDER": "oscar_backorders.priorities.ManualPriority",
    # Auth group names served first by priorities.CustomerGroup, highest first.
    "PRIORITY_CUSTOMER_GROUPS": (),
    # Oscar shipping method codes served first by priorities.ShippingUrgency.
    "URGENT_SHIPPING_CODES": (),
    # Supplier reliability: how many of a supplier's latest received lines to judge it by, how
    # many it needs before it is judged at all, and the most days its lateness may add.
    "RELIABILITY_WINDOW": 20,
    "RELIABILITY_MIN_DELIVERIES": 3,
    "RELIABILITY_MAX_DELAY_DAYS": 30,
    # Reorder points: days of order history to learn demand from, the service level the safety
    # stock is sized for, and how many days of demand a suggested order should cover.
    "DEMAND_WINDOW_DAYS": 90,
    "SERVICE_LEVEL": 0.95,
    "ORDER_COVER_DAYS": 30,
    # Cap mode: refuse backorders beyond what open purchase orders can fill, plus an allowance.
    "CAP_TO_INBOUND": False,
    "INBOUND_ALLOWANCE": 0,
    # --- Notifications (see docs/notifications.md) ---
    # Also tell the customer when an estimate moves earlier (later is always told).
    "NOTIFY_EARLIER_ESTIMATES": False,
    # Smallest move of an estimate (in days) worth an email; smaller ones are not told.
    "ESTIMATE_NOTICE_MIN_DAYS": 1,
    # Quiet period: an order's changes are sent once none came for this many seconds, so five
    # lines changed together make one email.
    "NOTICE_BATCH_SECONDS": 300,
    # Days between status follow-ups while lines wait; None turns follow-ups off.
    "FOLLOW_UP_DAYS": 14,
    # What a missed promised date triggers: "ftc" (US Mail Order Rule), "eu" (Consumer Rights
    # Directive art. 18), "strict" (always ask; cancel without an answer) or "notify" (tell only).
    "OVERRUN_RULE": "eu",
    # Days the customer has to answer a delay notice that needs consent.
    "OVERRUN_RESPONSE_DAYS": 7,
    # Under "ftc": a first delay up to this many days beyond the promised date needs no consent.
    "OVERRUN_SILENT_CONSENT_DAYS": 30,
    # Days a signed link (delay options, unsubscribe) stays valid.
    "LINK_MAX_AGE_DAYS": 60,
    # Scheme and host of the absolute links in emails (host None: the current Site's domain).
    "LINK_SCHEME": "https",
    "LINK_HOST": None,
    # Days of waiting after which an order earns one compensation voucher; None: never.
    "COMPENSATION_AFTER_DAYS": None,
    # The voucher: Oscar benefit type ("Percentage" or "Absolute"), value, and days it is valid.
    "COMPENSATION_VOUCHER": {"benefit_type": "Percentage", "value": "10", "valid_days": 90},
    # Who gets the merchant's daily digest; None: the addresses in settings.MANAGERS.
    "MERCHANT_EMAILS": None,
    # Send the digest even on a day with nothing to report.
    "DIGEST_SEND_EMPTY": False,
    # Sending: attempts before a notice is marked failed, and the backoff between them.
    "NOTICE_MAX_ATTEMPTS": 8,
    "NOTICE_RETRY_BASE_SECONDS": 60,
    "NOTICE_RETRY_MAX_SECONDS": 6 * 3600,
    # How far back the scans look for events not yet told, and how many rows they read at once.
    "NOTICE_LOOKBACK_DAYS": 30,
    "NOTICE_CHUNK_SIZE": 500,
    # Seconds a beat process holds the beat lease (see LeasedDatabaseScheduler).
    "BEAT_LEASE_SECONDS": 90,
}


class BackorderSettings:
    """Lazy, prefixed access to the plugin's settings."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._defaults:
            raise AttributeError(f"Unknown oscar_backorders setting: {PREFIX}{name}")
        if name not in self._cache:
            from django.conf import settings

            self._cache[name] = getattr(settings, PREFIX + name, self._defaults[name])
        return self._cache[name]

    def clear(self) -> None:
        self._cache.clear()


backorder_settings = BackorderSettings(DEFAULTS)


@receiver(setting_changed)
def _reload_settings(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX):
        backorder_settings.clear()
