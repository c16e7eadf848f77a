"""Beat schedules: stable names, admin edits kept, other modules' tasks only when registered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from oscar.core.loading import get_model

from oscar_backorders.notifications import beat

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
BeatLease = get_model("oscar_backorders", "BeatLease")


def test_schedules_created_with_stable_names_when_missing():
    PeriodicTask.objects.all().delete()
    result = beat.ensure_schedules()
    assert result["backorders.dispatch-due-notices"] == "created"
    task = PeriodicTask.objects.get(name="backorders.dispatch-due-notices")
    assert task.task == "oscar_backorders.notifications.tasks.dispatch_due_notices"
    assert task.interval.every == 60
    digest = PeriodicTask.objects.get(name="backorders.merchant-digest")
    assert (digest.crontab.hour, digest.crontab.minute) == ("7", "0")


def test_every_notification_task_of_a_schedule_is_registered():
    from celery import current_app

    for schedule in beat.SCHEDULES:
        if not schedule.optional:
            assert schedule.task in current_app.tasks, schedule.task


def test_other_modules_schedules_skipped_when_their_task_is_not_registered(monkeypatch):
    absent = beat.Schedule(
        "backorders.absent",
        "oscar_backorders.absent.tasks.run",
        "-",
        every_seconds=60,
        optional=True,
    )
    monkeypatch.setattr(beat, "SCHEDULES", (*beat.SCHEDULES, absent))
    result = beat.ensure_schedules()
    assert result["backorders.absent"] == "skipped (task not registered)"
    assert not PeriodicTask.objects.filter(name="backorders.absent").exists()


def test_supply_and_payments_schedules_created_under_the_names_their_tasks_have():
    PeriodicTask.objects.all().delete()
    result = beat.ensure_schedules()
    expected = {
        "backorders.supply.nightly-recompute": "oscar_backorders.supply.tasks.nightly_full_recompute",
        "backorders.supply.reorder-points": "oscar_backorders.supply.tasks.check_reorder_points",
        # The payments tasks are registered under their aliases (no ".tasks." in the name).
        "backorders.payments.refresh-authorisations": (
            "oscar_backorders.payments.refresh_expiring_authorisations"
        ),
        "backorders.payments.retry-payments": "oscar_backorders.payments.retry_payments",
    }
    for name, task in expected.items():
        assert result[name] == "created", name
        assert PeriodicTask.objects.get(name=name).task == task


def test_alias_used_only_when_the_primary_name_is_not_registered(monkeypatch):
    schedule = beat.Schedule(
        "backorders.test",
        "oscar_backorders.absent.tasks.run",
        "-",
        every_seconds=60,
        optional=True,
        aliases=("oscar_backorders.notifications.tasks.dispatch_due_notices",),
    )
    assert beat.registered_task(schedule) == (
        "oscar_backorders.notifications.tasks.dispatch_due_notices"
    )


def test_cadence_edited_in_the_admin_kept_when_schedules_installed_again(capsys):
    beat.ensure_schedules()
    task = PeriodicTask.objects.get(name="backorders.follow-ups")
    every_two_hours, _ = IntervalSchedule.objects.get_or_create(
        every=2, period=IntervalSchedule.HOURS
    )
    task.crontab, task.interval = None, every_two_hours
    task.save()
    call_command("backorder_schedules")
    assert "backorders.follow-ups" in capsys.readouterr().out
    task.refresh_from_db()
    assert task.interval == every_two_hours
    call_command("backorder_schedules", "--reset")
    task.refresh_from_db()
    assert task.interval is None and task.crontab.hour == "9"


def test_second_beat_refused_the_lease_while_the_first_renews_it():
    assert beat.acquire_lease("celery-beat", "a", seconds=90, now=NOW)
    assert not beat.acquire_lease(
        "celery-beat", "b", seconds=90, now=NOW + dt.timedelta(seconds=30)
    )
    assert beat.acquire_lease("celery-beat", "a", seconds=90, now=NOW + dt.timedelta(seconds=60))
    assert not beat.acquire_lease(
        "celery-beat", "b", seconds=90, now=NOW + dt.timedelta(seconds=120)
    )


def test_second_beat_takes_over_when_the_first_stops_renewing():
    assert beat.acquire_lease("celery-beat", "a", seconds=90, now=NOW)
    assert beat.acquire_lease("celery-beat", "b", seconds=90, now=NOW + dt.timedelta(seconds=91))
    assert not beat.acquire_lease(
        "celery-beat", "a", seconds=90, now=NOW + dt.timedelta(seconds=100)
    )
    beat.release_lease("celery-beat", "b")
    assert beat.acquire_lease("celery-beat", "a", seconds=90, now=NOW + dt.timedelta(seconds=101))


def test_leased_scheduler_sends_nothing_while_another_beat_holds_the_lease(monkeypatch):
    from celery import current_app

    beat.acquire_lease("celery-beat", "someone-else", seconds=3600)
    scheduler = beat.LeasedDatabaseScheduler(app=current_app, lazy=True)
    called = []
    monkeypatch.setattr(
        beat.DatabaseScheduler, "tick", lambda self, *a, **k: called.append(1) or 1.0
    )
    assert scheduler.tick() > 0
    assert called == []
    beat.release_lease("celery-beat", "someone-else")
    assert scheduler.tick() == 1.0
    assert called == [1]


# --- LeasedDatabaseScheduler in this process: what a tick writes and sends -------------------
# django-celery-beat closes "old" connections and commits on every tick, as in the autocommit
# beat process; inside a test's transaction that would close the connection under the test.
scheduler_test = pytest.mark.django_db(transaction=True)


def probe_schedule(*, every: int = 60, last_run_ago: int = 61) -> PeriodicTask:
    """The only schedule: ``tests.beat_probe`` every ``every`` s, due when ``last_run_ago`` ≥ it."""
    PeriodicTask.objects.all().delete()
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=every, period=IntervalSchedule.SECONDS
    )
    return PeriodicTask.objects.create(
        name="probe",
        task="tests.beat_probe",
        interval=interval,
        last_run_at=timezone.now() - dt.timedelta(seconds=last_run_ago),
    )


class SendRecorder:
    """Stands in for sending a task: notes the schedule's row as it was when the send began."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def __call__(self, entry, producer=None, advance=True, **kwargs):
        row = PeriodicTask.objects.get(pk=entry.model.pk)
        self.sent.append((entry.name, row.total_run_count))


def scheduler_with_recorder():
    from celery import current_app

    scheduler = beat.LeasedDatabaseScheduler(app=current_app, lazy=True)
    scheduler.apply_async = SendRecorder()
    return scheduler


@scheduler_test
def test_fire_is_in_the_database_before_its_task_is_sent():
    probe = probe_schedule()
    scheduler = scheduler_with_recorder()
    scheduler.tick()
    assert scheduler.apply_async.sent == [("probe", 1)]  # the row said "fired once" at the send
    probe.refresh_from_db()
    assert probe.total_run_count == 1
    assert timezone.now() - probe.last_run_at < dt.timedelta(seconds=5)
    scheduler.tick()
    assert scheduler.apply_async.sent == [("probe", 1)]  # not due again for 60 s


@scheduler_test
def test_nothing_sent_when_the_lease_expired_while_the_beat_was_busy(monkeypatch):
    probe = probe_schedule()
    scheduler = scheduler_with_recorder()
    real_acquire = beat.acquire_lease

    def acquire_then_stall(*args, **kwargs):
        held = real_acquire(*args, **kwargs)
        # The beat stalls (a long GC pause, a slow query) past its lease before it sends.
        BeatLease.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        return held

    monkeypatch.setattr(beat, "acquire_lease", acquire_then_stall)
    scheduler.tick()
    assert scheduler.apply_async.sent == []
    probe.refresh_from_db()
    assert probe.total_run_count == 0
    assert not scheduler.holds_lease


@scheduler_test
def test_standby_taking_the_lease_reads_the_fire_of_the_beat_before_it_and_sends_nothing():
    probe_schedule()
    holder, standby = scheduler_with_recorder(), scheduler_with_recorder()
    standby.schedule  # noqa: B018 - the standby reads the schedules at start-up, probe still due
    holder.tick()
    assert holder.apply_async.sent == [("probe", 1)]
    BeatLease.objects.all().delete()  # the holder died; its lease is gone (or expired)
    standby.tick()
    standby.tick()
    assert standby.apply_async.sent == []
    assert PeriodicTask.objects.get(name="probe").total_run_count == 1


@scheduler_test
def test_beat_that_read_a_schedule_before_another_fired_it_does_not_fire_it_again():
    probe_schedule()
    holder, stale = scheduler_with_recorder(), scheduler_with_recorder()
    stale.schedule  # noqa: B018
    holder.tick()
    BeatLease.objects.all().delete()
    # Even a beat that skips the reload (it believes it held the lease all along) cannot send
    # the period again: the write of the fire is conditional on the fire it planned from.
    stale.holds_lease = True
    stale.tick()
    assert stale.apply_async.sent == []
    assert PeriodicTask.objects.get(name="probe").total_run_count == 1
    assert not stale.holds_lease  # so the next tick reads the schedules afresh


@scheduler_test
def test_schedule_changed_after_start_up_does_not_make_the_holder_fire_twice():
    from django_celery_beat.models import PeriodicTasks

    probe_schedule()
    scheduler = scheduler_with_recorder()
    scheduler.setup_schedule()  # what `celery beat` does at start-up
    PeriodicTasks.update_changed()  # another beat started, or a merchant edited a schedule
    for _ in range(3):
        scheduler.tick()
    assert scheduler.apply_async.sent == [("probe", 1)]
    assert scheduler.holds_lease  # never refused by the database: it did not even try again
