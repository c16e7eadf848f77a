"""Settings for oscar_backorders, read lazily.

Every setting is a plain value named ``BACKORDERS_<NAME>`` in the Django settings. Defaults live in
:data:`DEFAULTS`; reading a name that is not in it raises ``AttributeError`` so typos surface. The
cache is cleared on ``setting_changed`` so ``override_settings`` works in tests.

What each value may be is in :data:`RULES`; ``manage.py check`` reports a ``BACKORDERS_*`` name
that is not a setting and every value that breaks its rule (``oscar_backorders.checks``), each
with a stable id listed in docs/settings.md.

Usage::

    from oscar_backorders.app_settings import backorder_settings
    backorder_settings.DEFAULT_LEAD_TIME_DAYS
"""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from oscar_backorders.setting_rules import (
    PREFIX,
    Dates,
    DottedPath,
    Flag,
    Fraction,
    HolidayRegion,
    Host,
    Minutes,
    OneOf,
    Rule,
    Text,
    Texts,
    Voucher,
    Weekdays,
    WholeNumber,
)

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
    # Public holidays from the ``holidays`` package, merged with HOLIDAYS: an ISO 3166-1 country
    # code ("NL", "DE") and optionally one of its subdivisions ("BY" for Bavaria); None: none.
    "HOLIDAY_COUNTRY": None,
    "HOLIDAY_SUBDIVISION": None,
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
    # --- merchant console ---
    # A queue action confirmed over more lines than this runs as a Celery task in batches, with
    # a progress page; at most this many (and never more than 500) run while the merchant waits.
    "CONSOLE_TASK_THRESHOLD": 200,
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
    # Stripe webhooks: the endpoint's signing secret ("whsec_…"; "" leaves the endpoint off), and
    # how old (seconds) a signed delivery may be before it is refused as a replay.
    "STRIPE_WEBHOOK_SECRET": "",
    "STRIPE_WEBHOOK_TOLERANCE_SECONDS": 300,
    # Stripe.js on the checkout and confirm-payment pages: the publishable key ("pk_…"; empty:
    # no card form is shown), and where Stripe.js is loaded from (tests: localstripe's copy).
    "STRIPE_PUBLISHABLE_KEY": "",
    "STRIPE_JS_URL": "https://js.stripe.com/v3/",
    # Which Stripe.js form the pages show: "payment" (the Payment Element, created without an
    # intent; cards and the wallets that pay by card) or "card" (the older Card Element).
    "STRIPE_ELEMENT": "payment",
    # --- Supply: inbound purchase orders, available-to-promise, restock allocation ---
    # Dotted path of the class that orders waiting lines for restock allocation and dating
    # (see oscar_backorders/priorities.py). The default is FIFO unless a merchant set a priority.
    "PRIORITY_ORDER": "oscar_backorders.priorities.ManualPriority",
    # Auth group names served first by priorities.CustomerGroup, highest first.
    "PRIORITY_CUSTOMER_GROUPS": (),
    # Oscar shipping method codes served first by priorities.ShippingUrgency.
    "URGENT_SHIPPING_CODES": (),
    # Promises (docs/supply.md): the chance with which every unit of a line ships by the date a
    # customer is promised, and the chance of keeping a promise below which it is revised.
    "PROMISE_CONFIDENCE": 0.95,
    "PROMISE_REVISE_BELOW": 0.5,
    # Supplier lateness: how many of a supplier's latest received lines to learn it from, how
    # many it needs before its own history counts, how many deliveries' weight the shop's pooled
    # history has against it, and the most days late (or early) one delivery may count for.
    "RELIABILITY_WINDOW": 50,
    "RELIABILITY_MIN_DELIVERIES": 3,
    "LATENESS_PRIOR_WEIGHT": 5,
    "RELIABILITY_MAX_DELAY_DAYS": 60,
    # Reorder points: days of order history to learn demand from, the service level the safety
    # stock is sized for, and how many days of demand a suggested order should cover.
    "DEMAND_WINDOW_DAYS": 90,
    "SERVICE_LEVEL": 0.95,
    "ORDER_COVER_DAYS": 30,
    # Days of order history the demand forecast learns from (weekly and, from 730, yearly
    # seasons; promotions); 0 turns the forecast off (the window mean stands for every day).
    "FORECAST_HISTORY_DAYS": 730,
    # Cap mode: refuse backorders beyond what open purchase orders can fill, plus an allowance.
    "CAP_TO_INBOUND": False,
    "INBOUND_ALLOWANCE": 0,
    # In that mode, allow at least the demand the forecast expects over the lead time (kept
    # daily by check_reorder_points), so the allowance rises before a promotion.
    "INBOUND_ALLOWANCE_FROM_FORECAST": False,
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
    # Seconds a notice may stay "sending" before it counts as abandoned by a worker that stopped
    # and is sent again (same Message-ID). Longer than the mail backend's timeout plus the
    # "sent" mark's retries (about 4 minutes), or a slow send would be sent twice.
    "NOTICE_SENDING_GRACE_SECONDS": 900,
    # None, or the dotted path of a callable ``hook(email, *, notice, key)`` called on every
    # notice email before it is sent: where an email provider deduplicates on an idempotency key,
    # put ``key`` where it reads it (docs/notifications.md, "Delivery").
    "NOTICE_EMAIL_HOOK": None,
    # How far back the scans look for events not yet told, and how many rows they read at once.
    "NOTICE_LOOKBACK_DAYS": 30,
    "NOTICE_CHUNK_SIZE": 500,
    # Seconds a beat process holds the beat lease (see LeasedDatabaseScheduler).
    "BEAT_LEASE_SECONDS": 90,
}


# --- What each value may be ---------------------------------------------------------------------
# One system check id per part of the plugin and kind of mistake (docs/settings.md lists them).
_MODE = "oscar_backorders.E002"
_CORE_PATH = "oscar_backorders.E003"
_CORE_NUMBER = "oscar_backorders.E004"
_CALENDAR = "oscar_backorders.E005"
_PAYMENT_CHOICE = "oscar_backorders.E110"
_PAYMENT_NUMBER = "oscar_backorders.E111"
_PAYMENT_TEXT = "oscar_backorders.E112"
_SERVICE_LEVEL = "oscar_backorders.E201"
_PRIORITY_PATH = "oscar_backorders.E202"
_SUPPLY_NUMBER = "oscar_backorders.E203"
_SUPPLY_OTHER = "oscar_backorders.E204"
_OVERRUN_RULE = "oscar_backorders.E301"
_NOTICE_NUMBER = "oscar_backorders.E302"
_NOTICE_OTHER = "oscar_backorders.E303"


#: The rule of every setting in :data:`DEFAULTS`. ``None``: its own module checks it
#: (the payment gateway and the checkout payment mode, in ``payments/checks.py``).
RULES: dict[str, Rule | None] = {
    "DEFAULT_MODE": OneOf(
        check_id=_MODE,
        choices=("off", "backorder", "preorder"),
        advice='"inherit" is for stock records and partners, not for the shop-wide default.',
    ),
    "DEFAULT_LEAD_TIME_DAYS": WholeNumber(check_id=_CORE_NUMBER),
    "HANDLING_DAYS": WholeNumber(check_id=_CORE_NUMBER),
    "WEEKEND_DAYS": Weekdays(check_id=_CALENDAR),
    "HOLIDAYS": Dates(check_id=_CALENDAR),
    "HOLIDAY_COUNTRY": HolidayRegion(
        check_id=_CALENDAR, advice="holidays.list_supported_countries() lists the codes."
    ),
    "HOLIDAY_SUBDIVISION": HolidayRegion(check_id=_CALENDAR, of_country="HOLIDAY_COUNTRY"),
    "ESTIMATOR": DottedPath(
        check_id=_CORE_PATH,
        attribute="estimate_next",
        advice="See oscar_backorders/estimates/base.py for the Estimator interface.",
    ),
    "SELECTOR": DottedPath(
        check_id=_CORE_PATH,
        attribute="strategy",
        none_allowed=True,
        advice="Name a Selector class, or remove the setting to wrap the shop's own Selector.",
    ),
    "DELEGATE_CLASS_LOADER": DottedPath(
        check_id=_CORE_PATH,
        advice="Name a class loader function such as oscar.core.loading.default_class_loader.",
    ),
    "SHIPS_LATER_PAGE_SIZE": WholeNumber(check_id=_CORE_NUMBER, minimum=1),
    "SHIPS_LATER_CACHE_SECONDS": WholeNumber(check_id=_CORE_NUMBER),
    "ALTERNATIVES_LIMIT": WholeNumber(check_id=_CORE_NUMBER),
    "ALTERNATIVES_CACHE_SECONDS": WholeNumber(check_id=_CORE_NUMBER),
    "CONSOLE_TASK_THRESHOLD": WholeNumber(
        check_id=_CORE_NUMBER,
        minimum=1,
        maximum=500,
        advice="Above it an action runs as a task; at most 500 lines run while the merchant waits.",
    ),
    "PAYMENT_GATEWAY": None,  # oscar_backorders.E101, E121, E122
    "PAYMENT_AUTHORISATION_VALIDITY_DAYS": WholeNumber(check_id=_PAYMENT_NUMBER, minimum=1),
    "PAYMENT_REAUTHORISE_WITHIN_HOURS": WholeNumber(check_id=_PAYMENT_NUMBER),
    "PAYMENT_RETRY_DELAYS_MINUTES": Minutes(check_id=_PAYMENT_NUMBER),
    "PAYMENT_SHIPPING_CHARGE_WITH": OneOf(check_id=_PAYMENT_CHOICE, choices=("first", "last")),
    "PAYMENT_AT_CHECKOUT": None,  # oscar_backorders.E104
    "PAYMENT_IDEMPOTENCY_PREFIX": Text(check_id=_PAYMENT_TEXT, empty_allowed=False),
    "STRIPE_SECRET_KEY": Text(check_id=_PAYMENT_TEXT),
    "STRIPE_API_BASE": Text(check_id=_PAYMENT_TEXT, empty_allowed=False, none_allowed=True),
    "STRIPE_WEBHOOK_SECRET": Text(check_id=_PAYMENT_TEXT),
    "STRIPE_WEBHOOK_TOLERANCE_SECONDS": WholeNumber(check_id=_PAYMENT_NUMBER, minimum=1),
    "STRIPE_PUBLISHABLE_KEY": Text(check_id=_PAYMENT_TEXT, starts_with=("pk_",)),
    "STRIPE_JS_URL": Text(
        check_id=_PAYMENT_TEXT, empty_allowed=False, starts_with=("https://", "http://")
    ),
    "STRIPE_ELEMENT": OneOf(
        check_id=_PAYMENT_CHOICE,
        choices=("payment", "card"),
        advice='"payment" shows Stripe\'s Payment Element, "card" its Card Element.',
    ),
    "PRIORITY_ORDER": DottedPath(
        check_id=_PRIORITY_PATH,
        attribute="sort_key",
        advice="For example oscar_backorders.priorities.ManualPriority (see priorities.py).",
    ),
    "PRIORITY_CUSTOMER_GROUPS": Texts(check_id=_SUPPLY_OTHER),
    "URGENT_SHIPPING_CODES": Texts(check_id=_SUPPLY_OTHER),
    "PROMISE_CONFIDENCE": Fraction(
        check_id=_SERVICE_LEVEL,
        minimum=0.5,
        below=1,
        advice="Use e.g. 0.95: every unit of a line ships by its promise 19 times in 20.",
    ),
    "PROMISE_REVISE_BELOW": Fraction(
        check_id=_SERVICE_LEVEL,
        minimum=0.01,
        below=1,
        advice="Keep it below BACKORDERS_PROMISE_CONFIDENCE, e.g. 0.5.",
    ),
    "LATENESS_PRIOR_WEIGHT": WholeNumber(check_id=_SUPPLY_NUMBER),
    "RELIABILITY_WINDOW": WholeNumber(check_id=_SUPPLY_NUMBER, minimum=1),
    "RELIABILITY_MIN_DELIVERIES": WholeNumber(check_id=_SUPPLY_NUMBER, minimum=1),
    "RELIABILITY_MAX_DELAY_DAYS": WholeNumber(check_id=_SUPPLY_NUMBER),
    "DEMAND_WINDOW_DAYS": WholeNumber(check_id=_SUPPLY_NUMBER, minimum=1),
    "SERVICE_LEVEL": Fraction(
        check_id=_SERVICE_LEVEL,
        minimum=0.5,
        below=1,
        advice="Use e.g. 0.95 for a 95 % chance of not running out during a lead time.",
    ),
    "ORDER_COVER_DAYS": WholeNumber(check_id=_SUPPLY_NUMBER),
    "FORECAST_HISTORY_DAYS": WholeNumber(check_id=_SUPPLY_NUMBER),
    "CAP_TO_INBOUND": Flag(check_id=_SUPPLY_OTHER),
    "INBOUND_ALLOWANCE": WholeNumber(check_id=_SUPPLY_NUMBER),
    "INBOUND_ALLOWANCE_FROM_FORECAST": Flag(check_id=_SUPPLY_OTHER),
    "NOTIFY_EARLIER_ESTIMATES": Flag(check_id=_NOTICE_OTHER),
    "ESTIMATE_NOTICE_MIN_DAYS": WholeNumber(check_id=_NOTICE_NUMBER),
    "NOTICE_BATCH_SECONDS": WholeNumber(check_id=_NOTICE_NUMBER),
    "FOLLOW_UP_DAYS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1, none_allowed=True),
    "OVERRUN_RULE": OneOf(
        check_id=_OVERRUN_RULE,
        choices=("ftc", "eu", "strict", "notify"),
        advice='See docs/notifications.md, "Delays: the legal mapping".',
    ),
    "OVERRUN_RESPONSE_DAYS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1),
    "OVERRUN_SILENT_CONSENT_DAYS": WholeNumber(check_id=_NOTICE_NUMBER),
    "LINK_MAX_AGE_DAYS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1),
    "LINK_SCHEME": OneOf(check_id=_NOTICE_OTHER, choices=("https", "http")),
    "LINK_HOST": Host(check_id=_NOTICE_OTHER),
    "COMPENSATION_AFTER_DAYS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1, none_allowed=True),
    "COMPENSATION_VOUCHER": Voucher(check_id=_NOTICE_OTHER),
    "MERCHANT_EMAILS": Texts(check_id=_NOTICE_OTHER, none_allowed=True, emails=True),
    "DIGEST_SEND_EMPTY": Flag(check_id=_NOTICE_OTHER),
    "NOTICE_MAX_ATTEMPTS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1),
    "NOTICE_RETRY_BASE_SECONDS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1),
    "NOTICE_RETRY_MAX_SECONDS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1),
    "NOTICE_SENDING_GRACE_SECONDS": WholeNumber(
        check_id=_NOTICE_NUMBER,
        minimum=1,
        advice="Keep it above EMAIL_TIMEOUT plus 4 minutes, e.g. 900.",
    ),
    "NOTICE_EMAIL_HOOK": DottedPath(
        check_id=_NOTICE_OTHER,
        none_allowed=True,
        advice='See docs/notifications.md, "Delivery: at least once, and the one duplicate".',
    ),
    "NOTICE_LOOKBACK_DAYS": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1),
    "NOTICE_CHUNK_SIZE": WholeNumber(check_id=_NOTICE_NUMBER, minimum=1),
    "BEAT_LEASE_SECONDS": WholeNumber(
        check_id=_NOTICE_NUMBER,
        minimum=10,
        advice="The lease must outlast the time between two beat ticks (5 s by default).",
    ),
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
