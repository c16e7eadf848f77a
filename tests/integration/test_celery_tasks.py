"""A Celery worker knows every task the plugin's beat schedules send.

The worker's registry is read the way ``celery -A shop worker`` builds it at start-up: a fresh
process imports the sandbox's Celery app (``sandbox/shop/celery.py``, the setup docs/celery.md
gives a shop) and imports its default modules, which sets Django up and autodiscovers tasks. Only
then does the test process read the schedule names, so nothing this process imported can hide a
task the worker would discard as "unregistered".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from django_celery_beat.models import PeriodicTask

from oscar_backorders.notifications import beat

ROOT = Path(__file__).resolve().parents[2]

WORKER_REGISTRY = """
import json, sys
from shop.celery import app
app.loader.import_default_modules()  # what WorkController does before it consumes
json.dump(sorted(app.tasks), sys.stdout)
"""

#: A shop whose Celery app never calls ``autodiscover_tasks()``.
NO_AUTODISCOVERY = """
import json, sys
import django
from celery import Celery
app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
django.setup()
json.dump(sorted(app.tasks), sys.stdout)
"""


@cache
def worker_registry(script: str = WORKER_REGISTRY) -> frozenset[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / "sandbox",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return frozenset(json.loads(result.stdout))


@pytest.mark.django_db
def test_worker_knows_every_task_the_plugins_schedules_send():
    PeriodicTask.objects.all().delete()
    beat.ensure_schedules()
    scheduled = set(PeriodicTask.objects.values_list("task", flat=True))
    assert len(scheduled) == len(beat.SCHEDULES)  # none skipped as "not registered"
    assert scheduled <= worker_registry(), sorted(scheduled - worker_registry())


def test_worker_knows_the_supply_tasks_beat_runs_at_night():
    assert "oscar_backorders.supply.tasks.nightly_full_recompute" in worker_registry()
    assert "oscar_backorders.supply.tasks.check_reorder_points" in worker_registry()


def test_worker_knows_every_task_the_plugin_defines():
    from celery import current_app

    import oscar_backorders.tasks  # noqa: F401  (every task module of the plugin)

    plugin_tasks = {name for name in current_app.tasks if name.startswith("oscar_backorders.")}
    assert plugin_tasks
    assert plugin_tasks <= worker_registry(), sorted(plugin_tasks - worker_registry())


def test_worker_of_an_app_that_does_not_autodiscover_knows_them_too():
    registry = worker_registry(NO_AUTODISCOVERY)
    for schedule in beat.SCHEDULES:
        assert {schedule.task, *schedule.aliases} & registry, schedule.name


#: Every task name the plugin registers, exactly: django-celery-beat's ``PeriodicTask`` rows of
#: existing shops store these strings, so a renamed or moved task must keep its ``name=``.
REGISTERED_TASK_NAMES = frozenset(
    {
        "oscar_backorders.console.tasks.resume_stalled_console_jobs",
        "oscar_backorders.console.tasks.run_console_job",
        "oscar_backorders.notifications.tasks.dispatch_due_notices",
        "oscar_backorders.notifications.tasks.expire_delay_consents",
        "oscar_backorders.notifications.tasks.grant_compensation",
        "oscar_backorders.notifications.tasks.scan_follow_ups",
        "oscar_backorders.notifications.tasks.scan_order_events",
        "oscar_backorders.notifications.tasks.scan_overruns",
        "oscar_backorders.notifications.tasks.send_merchant_digest",
        "oscar_backorders.notifications.tasks.send_notice",
        "oscar_backorders.payments.refresh_expiring_authorisations",
        "oscar_backorders.payments.retry_payments",
        "oscar_backorders.supply.tasks.allocate_free_stock_task",
        "oscar_backorders.supply.tasks.check_reorder_points",
        "oscar_backorders.supply.tasks.nightly_full_recompute",
        "oscar_backorders.supply.tasks.recompute_estimates_task",
    }
)


def test_task_names_stay_unchanged_when_modules_are_reorganised():
    plugin_tasks = {name for name in worker_registry() if name.startswith("oscar_backorders.")}
    assert plugin_tasks == REGISTERED_TASK_NAMES


def test_notice_sending_is_enqueued_under_the_send_notice_tasks_registered_name():
    from oscar_backorders.notifications import dispatch, tasks

    assert tasks.send_notice.name == dispatch.SEND_NOTICE_TASK
    assert dispatch.SEND_NOTICE_TASK in REGISTERED_TASK_NAMES


def test_console_jobs_are_enqueued_under_the_job_tasks_registered_name():
    from oscar_backorders.console import jobs, tasks

    assert tasks.run_console_job.name == jobs.RUN_CONSOLE_JOB_TASK
    assert jobs.RUN_CONSOLE_JOB_TASK in REGISTERED_TASK_NAMES
