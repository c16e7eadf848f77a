"""The sandbox's Celery app.

Default: kombu's filesystem transport under ``sandbox/var/broker`` (no server needed).
Scale-out: set ``CELERY_BROKER_URL=redis://127.0.0.1:6379/0`` and start N workers.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
