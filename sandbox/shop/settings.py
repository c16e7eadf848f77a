"""Settings of the sandbox shop: Oscar with oscar_backorders, SQLite and an embedded broker.

Everything that differs between the sandbox and a real deployment can be set from the
environment: DATABASE_URL-style parts (``DATABASE_ENGINE``, ``DATABASE_NAME``, …) and
``CELERY_BROKER_URL``.
"""

import importlib.util
import os
from pathlib import Path

from oscar.defaults import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SANDBOX_VAR_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "sandbox-only-not-secret")
#: Where the sandbox serves (``sandbox/run.py``; ``SANDBOX_HOST=0.0.0.0:8000`` or a LAN name to
#: change it). ``manage.py sandbox_site`` gives the Site this domain, so Oscar's emails and the
#: plugin's (``BACKORDERS_LINK_HOST`` unset: the Site's domain) link to the same place.
SANDBOX_HOST = os.environ.get("SANDBOX_HOST", "127.0.0.1:8000")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", SANDBOX_HOST.rsplit(":", 1)[0]]

#: The web server, the Celery worker and beat share one SQLite file. WAL lets them read while
#: one of them writes; IMMEDIATE takes the write lock when a transaction begins, so a second
#: writer waits for it (up to ``timeout`` seconds) instead of failing with "database is locked"
#: half-way through a transaction, when SQLite cannot wait (a reader turning writer).
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
_ENGINE = os.environ.get("DATABASE_ENGINE", "django.db.backends.sqlite3")
DATABASES = {
    "default": {
        "ENGINE": _ENGINE,
        "NAME": os.environ.get("DATABASE_NAME", str(BASE_DIR / "db.sqlite3")),
        "USER": os.environ.get("DATABASE_USER", ""),
        "PASSWORD": os.environ.get("DATABASE_PASSWORD", ""),
        "HOST": os.environ.get("DATABASE_HOST", ""),
        "PORT": os.environ.get("DATABASE_PORT", ""),
        "ATOMIC_REQUESTS": True,
        "OPTIONS": SQLITE_OPTIONS if "sqlite" in _ENGINE else {},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # Before Oscar, so the plugin's template blocks extend Oscar's templates.
    "oscar_backorders.apps.BackordersConfig",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    "django_celery_beat",
]

# The zero-fork route: the plugin's loader wraps Oscar's (see README, "Integration").
OSCAR_DYNAMIC_CLASS_LOADER = "oscar_backorders.loading.class_loader"

# Oscar's dashboard menu: a "Backorders" link to the queue, for staff who may view it (README).
from oscar_backorders.navigation import with_backorders_menu  # noqa: E402

OSCAR_DASHBOARD_NAVIGATION = with_backorders_menu(OSCAR_DASHBOARD_NAVIGATION)  # noqa: F405

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)

# Oscar browses the catalogue through Haystack; Whoosh needs no server.
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(VAR_DIR / "whoosh_index"),
    }
}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.RealtimeSignalProcessor"

LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("nl", "Nederlands"),
    ("zh-hans", "简体中文"),
    ("id", "Bahasa Indonesia"),
]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
SITE_ID = 1

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = "shop@example.com"
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL

OSCAR_SHOP_NAME = "Backorder sandbox"
OSCAR_DEFAULT_CURRENCY = "GBP"
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Complete", "Cancelled"),
    "Cancelled": (),
    "Complete": (),
}

# oscar_backorders: shop-wide defaults (partners and stock records can override them).
BACKORDERS_DEFAULT_MODE = "off"
BACKORDERS_DEFAULT_LEAD_TIME_DAYS = 10
# Pay when it ships (opt-in): the sandbox uses the test gateway, which never takes real money.
BACKORDERS_PAYMENT_GATEWAY = "oscar_backorders.payments.gateways.dummy.DummyGateway"
# Notifications: the merchant's digest goes to MANAGERS. Links use plain http (runserver) and
# the Site's domain (BACKORDERS_LINK_HOST unset), which `sandbox_site` sets to SANDBOX_HOST.
MANAGERS = [("Sandbox merchant", "merchant@example.com")]
BACKORDERS_LINK_SCHEME = "http"
BACKORDERS_NOTICE_BATCH_SECONDS = 60

# Celery: embedded filesystem broker by default, Redis for scale-out.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    # Every folder of the transport under var/broker (git-ignored), the exchange table
    # (control_folder) too: kombu's default is "control" in the process's working directory.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One beat at a time: django-celery-beat's scheduler behind the plugin's lease.
CELERY_BEAT_SCHEDULER = "oscar_backorders.notifications.beat:LeasedDatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"oscar_backorders": {"handlers": ["console"], "level": "INFO"}},
}

# The plugin's REST API (oscar_backorders.api, docs/api.md) when Django REST framework is
# installed (the "api" extra); the shop works without it.
API_INSTALLED = importlib.util.find_spec("rest_framework") is not None
# django-oscar-api, where installed, with the plugin's fields added to its serializers.
OSCARAPI_INSTALLED = API_INSTALLED and importlib.util.find_spec("oscarapi") is not None
if API_INSTALLED:
    INSTALLED_APPS += ["rest_framework", "drf_spectacular"]
    REST_FRAMEWORK = {
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework.authentication.SessionAuthentication",
            "rest_framework.authentication.BasicAuthentication",
        ],
    }
if OSCARAPI_INSTALLED:
    INSTALLED_APPS += ["oscarapi"]
    OSCARAPI_OVERRIDE_MODULES = ["oscar_backorders.api.oscarapi"]
