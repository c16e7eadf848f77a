"""Celery beat: the plugin's periodic schedules, and one beat at a time.

Schedules are django-celery-beat ``PeriodicTask`` rows with stable names (:data:`SCHEDULES`,
documented in docs/notifications.md). :func:`ensure_schedules` creates the missing ones after
``migrate`` and from ``manage.py backorder_schedules``; it never changes a row that exists, so a
cadence the merchant edited in the admin stays. Schedules of the supply and payments modules are
registered only when their task is registered with Celery in this process.

Two beats would send every task twice. The tasks are idempotent, so that is only waste, but
:class:`LeasedDatabaseScheduler` avoids it: a beat sends only while it holds the ``celery-beat``
:class:`BeatLease` row, renewed on every tick; a second beat waits until the first stops renewing.
Each fire is written to the schedule's row before the task is sent, so a beat that takes the lease
over knows what the one before it sent (:meth:`LeasedDatabaseScheduler.apply_entry`).
"""

from __future__ import annotations

import datetime
import importlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    close_old_connections,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_backorders.app_settings import backorder_settings

logger = logging.getLogger(__name__)

_TASKS = "oscar_backorders.notifications.tasks."


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    #: crontab ``(minute, hour)`` in ``CELERY_TIMEZONE``/``TIME_ZONE``, used when no interval.
    at: tuple[str, str] | None = None
    #: Belongs to another module: registered only if the task is registered with Celery.
    optional: bool = False
    #: Other names the same task may be registered under (the first registered one is used).
    aliases: tuple[str, ...] = ()


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        "backorders.dispatch-due-notices",
        _TASKS + "dispatch_due_notices",
        "Send claimed notices that are due, and retry failed sends with backoff.",
        every_seconds=60,
    ),
    Schedule(
        "backorders.line-event-notices",
        _TASKS + "scan_order_events",
        "Estimate changed, ready to ship, shipped, cancelled: one email per order and batch.",
        every_seconds=60,
    ),
    Schedule(
        "backorders.delay-notices",
        _TASKS + "scan_overruns",
        "Delay notices with keep-waiting / cancel links for lines that missed their promised date.",
        every_seconds=300,
    ),
    Schedule(
        "backorders.expire-delay-consents",
        _TASKS + "expire_delay_consents",
        "Cancel waiting units whose delay needed consent that did not come by the deadline.",
        every_seconds=3600,
    ),
    Schedule(
        "backorders.follow-ups",
        _TASKS + "scan_follow_ups",
        "Periodic status follow-ups while lines wait (customers may opt out).",
        at=("0", "9"),
    ),
    Schedule(
        "backorders.compensation-vouchers",
        _TASKS + "grant_compensation",
        "One compensation voucher per order after a long wait (if configured).",
        at=("30", "9"),
    ),
    Schedule(
        "backorders.merchant-digest",
        _TASKS + "send_merchant_digest",
        "The merchant's daily digest.",
        at=("0", "7"),
    ),
    Schedule(
        "backorders.console.resume-jobs",
        "oscar_backorders.console.tasks.resume_stalled_console_jobs",
        "Queue again the merchant console's bulk jobs that no worker took, or whose worker died.",
        every_seconds=300,
    ),
    Schedule(
        "backorders.supply.nightly-recompute",
        "oscar_backorders.supply.tasks.nightly_full_recompute",
        "Recompute every waiting line's estimate from inbound supply.",
        at=("0", "2"),
        optional=True,
    ),
    Schedule(
        "backorders.supply.reorder-points",
        "oscar_backorders.supply.tasks.check_reorder_points",
        "Alert on stock records at their reorder point (before the merchant's digest).",
        at=("30", "6"),
        optional=True,
    ),
    Schedule(
        "backorders.payments.refresh-authorisations",
        "oscar_backorders.payments.tasks.refresh_expiring_authorisations",
        "Refresh payment authorisations that expire before their units ship.",
        every_seconds=3600,
        optional=True,
        aliases=("oscar_backorders.payments.refresh_expiring_authorisations",),
    ),
    Schedule(
        "backorders.payments.retry-payments",
        "oscar_backorders.payments.tasks.retry_payments",
        "Retry failed captures whose next attempt is due, and unfinished releases.",
        every_seconds=900,
        optional=True,
        aliases=("oscar_backorders.payments.retry_payments",),
    ),
)


def task_is_registered(dotted: str) -> bool:
    """Whether Celery knows the task, importing its module first if it exists."""
    from celery import current_app

    if dotted in current_app.tasks:
        return True
    module = dotted.rsplit(".", 1)[0]
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return dotted in current_app.tasks


def registered_task(schedule: Schedule) -> str | None:
    """The name the schedule's task is registered under (its own or an alias), if any."""
    for name in (schedule.task, *schedule.aliases):
        if task_is_registered(name):
            return name
    return None


def _schedule_kwargs(schedule: Schedule) -> dict[str, Any]:
    IntervalSchedule = get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = get_model("django_celery_beat", "CrontabSchedule")
    if schedule.every_seconds:
        interval, _created = IntervalSchedule.objects.get_or_create(
            every=schedule.every_seconds, period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    assert schedule.at is not None
    minute, hour = schedule.at
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=getattr(settings, "CELERY_TIMEZONE", None) or settings.TIME_ZONE,
    )
    return {"crontab": crontab, "interval": None}


def ensure_schedules(*, reset: bool = False) -> dict[str, str]:
    """Create the missing schedules; with ``reset``, also put existing ones back to the defaults.

    Returns ``name → "created" | "kept" | "reset" | "skipped (task not registered)"``.
    """
    PeriodicTask = get_model("django_celery_beat", "PeriodicTask")
    result: dict[str, str] = {}
    for schedule in SCHEDULES:
        task = registered_task(schedule) if schedule.optional else schedule.task
        if task is None:
            result[schedule.name] = "skipped (task not registered)"
            continue
        existing = PeriodicTask.objects.filter(name=schedule.name).first()
        if existing is not None and not reset:
            result[schedule.name] = "kept"
            continue
        fields = {
            "task": task,
            "description": schedule.description,
            **_schedule_kwargs(schedule),
        }
        if existing is None:
            PeriodicTask.objects.create(name=schedule.name, **fields)
            result[schedule.name] = "created"
        else:
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.save()
            result[schedule.name] = "reset"
    return result


def acquire_lease(
    name: str, holder: str, *, seconds: int, now: datetime.datetime | None = None
) -> bool:
    """Take or renew the lease ``name`` for ``holder``; False while someone else holds it.

    One conditional ``UPDATE`` (ours, or expired) or an ``INSERT`` guarded by the unique name, so
    two processes can never both get it.
    """
    BeatLease = get_model("oscar_backorders", "BeatLease")
    now = now or timezone.now()
    expires = now + datetime.timedelta(seconds=seconds)
    updated = (
        BeatLease._default_manager.filter(name=name)
        .filter(Q(holder=holder) | Q(expires_at__lt=now))
        .update(holder=holder, expires_at=expires)
    )
    if updated:
        return True
    try:
        with transaction.atomic():
            BeatLease._default_manager.create(name=name, holder=holder, expires_at=expires)
    except IntegrityError:
        return False
    return True


def renew_lease(
    name: str, holder: str, *, seconds: int, now: datetime.datetime | None = None
) -> bool:
    """Extend the lease ``name`` if ``holder`` still holds it and it has not expired yet.

    Unlike :func:`acquire_lease` this never takes an expired lease: a holder that was too slow to
    renew may have been replaced, and finds out here.
    """
    BeatLease = get_model("oscar_backorders", "BeatLease")
    now = now or timezone.now()
    return bool(
        BeatLease._default_manager.filter(name=name, holder=holder, expires_at__gte=now).update(
            expires_at=now + datetime.timedelta(seconds=seconds)
        )
    )


def release_lease(name: str, holder: str) -> None:
    BeatLease = get_model("oscar_backorders", "BeatLease")
    BeatLease._default_manager.filter(name=name, holder=holder).delete()


try:
    from django_celery_beat.schedulers import DatabaseScheduler
except ImportError:  # pragma: no cover - django-celery-beat is a dependency
    DatabaseScheduler = object  # type: ignore[assignment,misc]


class LeasedDatabaseScheduler(DatabaseScheduler):  # type: ignore[misc,valid-type]
    """django-celery-beat's scheduler that sends only while it holds the beat lease.

    ``CELERY_BEAT_SCHEDULER = "oscar_backorders.notifications.beat:LeasedDatabaseScheduler"``.

    What it changes in django-celery-beat's ``DatabaseScheduler``:

    - A tick does nothing unless the lease is ours (taken or renewed), and sleeps at most a third
      of the lease, so the holder renews it well before it expires.
    - Taking the lease after not holding it (start-up, a takeover, a lease lost while busy)
      reloads every schedule from the database: what this process read while it waited may be
      older than what the previous holder sent.
    - A fire is written to its ``PeriodicTask`` row (``last_run_at``, ``total_run_count``) and
      committed *before* the task is sent, in one transaction that also renews the lease. Stock
      django-celery-beat writes it up to 3 minutes later, so a holder killed in between left no
      trace and its successor sent the task again. The write is conditional on the row's
      ``last_run_at`` being the one this process planned from, so even two processes that both
      believe they hold the lease cannot record (and send) the same period twice.

    The trade-off: a holder that dies after the commit and before the message reaches the broker
    (or whose broker refuses the message) loses that one fire; the schedule fires again one period
    later. Stock celery beat does the same on a send error. Beat sends one task at a time, so a
    takeover loses at most one fire, and never sends one twice.
    """

    lease_name = "celery-beat"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lease_holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.holds_lease = False
        super().__init__(*args, **kwargs)

    @staticmethod
    def lease_seconds() -> int:
        return int(backorder_settings.BEAT_LEASE_SECONDS)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        seconds = self.lease_seconds()
        wait = min(float(self.max_interval), seconds / 3)
        try:
            held = acquire_lease(self.lease_name, self.lease_holder, seconds=seconds)
        except (DatabaseError, InterfaceError):
            logger.exception("Could not take the %r lease; sending nothing.", self.lease_name)
            self.holds_lease = False
            close_old_connections()  # a broken connection is opened afresh next time
            return wait
        if not held:
            logger.warning("Another celery beat holds the %r lease; waiting.", self.lease_name)
            self.holds_lease = False
            return wait
        if not self.holds_lease:
            self.reload_schedule()
            self.holds_lease = True
        return min(super().tick(*args, **kwargs), wait)

    def reload_schedule(self) -> None:
        """Read every schedule and its last fire from the database, and rebuild the heap."""
        logger.info("Holding the %r lease: reading the schedules afresh.", self.lease_name)
        self._last_timestamp = self.Changes.last_change()  # changes from now on reload again
        self._schedule = self.all_as_schedule()
        self._initial_read = False
        self._last_full_sync = datetime.datetime.now()  # DatabaseScheduler's own (naive) clock
        self._heap = None  # Scheduler.tick rebuilds it from the new entries
        self._heap_invalidated = False

    def reserve(self, entry: Any) -> Any:
        # The fire is written by apply_entry before sending, never later by sync()
        # (DatabaseScheduler.reserve marks the entry for that). The schedule keeps the new entry,
        # as celery's own Scheduler does: DatabaseScheduler keeps the one just fired, and a heap
        # rebuilt from it (after a schedule change) would fire it again.
        new_entry = next(entry)
        if self._schedule is not None and entry.name in self._schedule:
            self._schedule[entry.name] = new_entry
        return new_entry

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        if self.record_fire(entry):
            super().apply_entry(entry, producer=producer)

    def record_fire(self, entry: Any) -> bool:
        """Write the fire of ``entry`` and renew the lease, in one transaction; False: do not send.

        ``entry`` is the entry being fired: ``entry.last_run_at`` is the fire this process planned
        from, ``entry.model`` already carries the new one (``reserve`` ran first).
        """
        try:
            with transaction.atomic():
                if not renew_lease(
                    self.lease_name, self.lease_holder, seconds=self.lease_seconds()
                ):
                    logger.warning(
                        "The %r lease expired before %s was sent; not sent.",
                        self.lease_name,
                        entry.name,
                    )
                    self.holds_lease = False
                    return False
                recorded = (
                    self.Model._default_manager.filter(pk=entry.model.pk)
                    .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=entry.last_run_at))
                    .update(
                        last_run_at=entry.model.last_run_at,
                        total_run_count=F("total_run_count") + 1,
                    )
                )
        except (DatabaseError, InterfaceError):
            logger.exception("Could not record the fire of %s; not sent.", entry.name)
            self.holds_lease = False  # read the schedules again once the database answers
            close_old_connections()
            return False
        if not recorded:
            logger.warning(
                "%s was fired by another beat since this one read it (or was removed); not sent.",
                entry.name,
            )
            self.holds_lease = False  # reload on the next tick
            return False
        return True

    def close(self) -> None:
        try:
            release_lease(self.lease_name, self.lease_holder)
        finally:
            super().close()
