"""Console jobs are never left "Queued" for good: the sweep queues again a job no worker took
(its message lost by the broker) or whose worker died, and a job runs on one worker at a time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.console import jobs
from oscar_backorders.console.runners import SPECS
from oscar_backorders.console.tasks import resume_stalled_console_jobs
from oscar_backorders.notifications import beat
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
ConsoleJob = get_model("oscar_backorders", "ConsoleJob")

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def lost_job(strategy, today, monkeypatch):
    """A priority change over three lines, one batch each, whose task message never arrived
    (its on-commit send is dropped)."""
    monkeypatch.setattr(jobs, "BATCH_LINES", 1)
    product = stocked_product(num_in_stock=0)
    for n in range(3):
        place(basket_with(strategy, (product, 2)), number=f"93000{n}")
    lines = list(BackorderLine.objects.order_by("pk"))
    with time_machine.travel(NOW, tick=False):
        return jobs.start_job(
            SPECS["change_priority"],
            lines=lines,
            form_data={"priority": "7", "reason": ""},
            user=UserFactory(is_staff=True),
        )


def priorities():
    return [line.priority for line in BackorderLine.objects.order_by("pk")]


def sweep_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return resume_stalled_console_jobs()


def test_a_job_whose_message_was_lost_is_run_by_the_sweep_after_five_minutes(
    lost_job, django_capture_on_commit_callbacks
):
    assert sweep_at(NOW + dt.timedelta(minutes=4), django_capture_on_commit_callbacks) == 0
    assert ConsoleJob.objects.get().status == "queued"

    assert sweep_at(NOW + dt.timedelta(minutes=6), django_capture_on_commit_callbacks) == 1

    job = ConsoleJob.objects.get()
    assert (job.status, job.done, job.lease_until) == ("done", 3, None)
    assert priorities() == [7, 7, 7]


def test_a_job_held_by_a_running_worker_is_neither_swept_nor_run_by_a_second_task(
    lost_job, django_capture_on_commit_callbacks
):
    lease = NOW + dt.timedelta(minutes=20)
    ConsoleJob.objects.filter(pk=lost_job.pk).update(
        status="running", batches_done=1, done=1, lease_until=lease
    )

    assert sweep_at(NOW + dt.timedelta(minutes=10), django_capture_on_commit_callbacks) == 0
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        jobs.run_job(lost_job.pk)  # a duplicated message reaches a second worker

    job = ConsoleJob.objects.get()
    assert (job.status, job.batches_done, job.lease_until) == ("running", 1, lease)
    assert priorities() == [0, 0, 0]


def test_a_job_whose_worker_died_is_resumed_from_its_last_batch_once_the_lease_runs_out(
    lost_job, django_capture_on_commit_callbacks
):
    # The worker applied batch 1, took the lease for batch 2 and died.
    BackorderLine.objects.filter(pk=lost_job.batches[0][0]).update(priority=7)
    ConsoleJob.objects.filter(pk=lost_job.pk).update(
        status="running", batches_done=1, done=1, lease_until=NOW + jobs.LEASE
    )
    BackorderLine.objects.filter(pk=lost_job.batches[0][0]).update(priority=2)  # changed since

    before = NOW + jobs.LEASE - dt.timedelta(minutes=1)
    assert sweep_at(before, django_capture_on_commit_callbacks) == 0
    assert sweep_at(NOW + jobs.LEASE, django_capture_on_commit_callbacks) == 1

    job = ConsoleJob.objects.get()
    assert (job.status, job.done) == ("done", 3)
    # Batch 1 is not applied again: the merchant's later change to its line stays.
    assert priorities() == [2, 7, 7]


def test_a_finished_job_is_never_queued_again(lost_job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_job(lost_job.pk)
    assert ConsoleJob.objects.get().status == "done"

    assert sweep_at(timezone.now() + dt.timedelta(days=1), django_capture_on_commit_callbacks) == 0


def test_each_batch_renews_the_lease_so_a_long_job_keeps_its_worker(lost_job, monkeypatch):
    held_for = []
    real_attempt = jobs._attempt
    with time_machine.travel(NOW, tick=False) as traveller:

        def slow_attempt(spec, job, index):
            held_for.append(ConsoleJob.objects.get(pk=job.pk).lease_until - timezone.now())
            traveller.shift(dt.timedelta(minutes=20))  # each batch takes 20 minutes
            return real_attempt(spec, job, index)

        monkeypatch.setattr(jobs, "_attempt", slow_attempt)
        jobs.run_job(lost_job.pk)

    assert held_for == [jobs.LEASE] * 3
    assert ConsoleJob.objects.get().status == "done"


def test_the_sweep_is_scheduled_every_five_minutes():
    schedule = next(s for s in beat.SCHEDULES if s.name == "backorders.console.resume-jobs")
    assert schedule.task == "oscar_backorders.console.tasks.resume_stalled_console_jobs"
    assert schedule.every_seconds == 300
