"""Plain Oscar: the test shop with the plugin taken out (the query budgets' baseline).

Same apps, middleware, templates and data as ``tests.settings`` without the plugin: not in
``INSTALLED_APPS`` (so none of its receivers, checks or templates), Oscar's own class loader (so
none of its mixins), no route to its URLs and none of its settings. ``tests/budgets.py`` walks the
customer's pages of this shop and of the same shop with the plugin, each in its own process.
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, TEMPLATES

INSTALLED_APPS = [
    app
    for app in INSTALLED_APPS
    if not app.startswith("oscar_backorders") and app != "django_celery_beat"
]
OSCAR_DYNAMIC_CLASS_LOADER = "oscar.core.loading.default_class_loader"
ROOT_URLCONF = "tests.urls_plain"
# The sandbox's own template directory only adds the plugin's test payment form.
TEMPLATES = [{**engine, "DIRS": []} for engine in TEMPLATES]
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
for _name in [name for name in globals() if name.startswith("BACKORDERS_")]:
    del globals()[_name]
