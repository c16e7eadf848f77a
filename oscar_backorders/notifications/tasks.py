"""Celery tasks of the notifications: scan the database for what is due, then send it.

Thin wrappers: each calls the service functions of :mod:`~oscar_backorders.notifications.scans`
and :mod:`~oscar_backorders.notifications.dispatch`, which never import this module (the one
service that enqueues work, ``dispatch.enqueue``, names ``send_notice`` by its registered name:
see :mod:`oscar_backorders.queueing`). The ``name=`` strings are what django-celery-beat's
``PeriodicTask`` rows store: never change them (``tests/integration/test_celery_tasks.py``).

Every task takes ids or nothing, re-reads the state it acts on, and is safe to run twice or on
two workers at once (claims are unique, sending locks the row). ``acks_late`` with
``reject_on_worker_lost``: a worker killed mid-task gives its message back to the broker, and the
rerun finds the work done, still pending, or *sending* (then the sweep sends it again once its
grace period is over: see :mod:`~oscar_backorders.notifications.dispatch`). No task is
scheduled with a countdown or ETA (those are redelivered on Redis visibility timeouts); beat runs
the scans and the sweep instead (see :mod:`~oscar_backorders.notifications.beat`).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications import dispatch, scans

TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


@shared_task(name="oscar_backorders.notifications.tasks.send_notice", **TASK_OPTIONS)
def send_notice(notice_id: int) -> str:
    """Send one claimed notice (no-op if it was sent, skipped, or is held by another worker)."""
    return dispatch.send_notice(notice_id)


@shared_task(name="oscar_backorders.notifications.tasks.dispatch_due_notices", **TASK_OPTIONS)
def dispatch_due_notices() -> int:
    """The sweep: send every pending notice whose (re)try time has come, and every notice left
    *sending* past its grace period by a worker that stopped, in chunks by id."""
    return dispatch.send_due(chunk_size=backorder_settings.NOTICE_CHUNK_SIZE)


def _then_send(ids: list[int]) -> int:
    dispatch.enqueue(ids)
    return len(ids)


@shared_task(name="oscar_backorders.notifications.tasks.scan_order_events", **TASK_OPTIONS)
def scan_order_events() -> int:
    """Estimate changes, ready to ship, shipped, cancelled: batched per order."""
    return _then_send(scans.scan_order_events())


@shared_task(name="oscar_backorders.notifications.tasks.scan_follow_ups", **TASK_OPTIONS)
def scan_follow_ups() -> int:
    return _then_send(scans.scan_follow_ups())


@shared_task(name="oscar_backorders.notifications.tasks.scan_overruns", **TASK_OPTIONS)
def scan_overruns() -> int:
    return _then_send(scans.scan_overruns())


@shared_task(name="oscar_backorders.notifications.tasks.expire_delay_consents", **TASK_OPTIONS)
def expire_delay_consents() -> int:
    return len(scans.expire_delay_consents())


@shared_task(name="oscar_backorders.notifications.tasks.grant_compensation", **TASK_OPTIONS)
def grant_compensation() -> int:
    return _then_send(scans.grant_compensation())


@shared_task(name="oscar_backorders.notifications.tasks.send_merchant_digest", **TASK_OPTIONS)
def send_merchant_digest() -> int:
    notice_id = scans.claim_merchant_digest()
    return _then_send([notice_id] if notice_id else [])
