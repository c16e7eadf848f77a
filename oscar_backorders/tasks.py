"""Every Celery task of the plugin, where a worker finds it.

A shop's Celery app finds tasks with ``app.autodiscover_tasks()``, which imports ``<app>.tasks``
of each installed app, i.e. this module only; the plugin's tasks live in its parts' own modules,
so this module imports them all. ``BackordersConfig.ready()`` imports it too, so the tasks are
registered in any process that set Django up, autodiscovery or not (a forked plugin included).
"""

from oscar_backorders.console import tasks as console
from oscar_backorders.notifications import tasks as notifications
from oscar_backorders.payments import tasks as payments
from oscar_backorders.supply import tasks as supply

__all__ = ["console", "notifications", "payments", "supply"]
