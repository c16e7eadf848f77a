"""Beat schedules: stable names, admin edits kept, other modules' tasks only when registered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from oscar_backorders.notifications import beat

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


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
