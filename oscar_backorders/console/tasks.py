"""Celery task of the merchant console: run a console job (:mod:`oscar_backorders.console.jobs`).

It takes the job's id, re-reads the job and goes on from the last batch done, so running it
twice, or again after a worker stopped (``acks_late``: the broker hands the message out again),
applies no batch twice. :func:`resume_stalled_console_jobs` (every 5 minutes, schedule
``backorders.console.resume-jobs``) queues it again for jobs whose message was lost.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="oscar_backorders.console.tasks.run_console_job", acks_late=True)
def run_console_job(job_id: int) -> dict[str, Any] | None:
    """Run console job ``job_id``; returns its progress (None for an unknown job)."""
    from oscar_backorders.console.jobs import progress, run_job

    job = run_job(job_id)
    return None if job is None else progress(job)


@shared_task(name="oscar_backorders.console.tasks.resume_stalled_console_jobs")
def resume_stalled_console_jobs() -> int:
    """Queue again the console jobs no worker took, or whose worker died; returns how many."""
    from oscar_backorders.console.jobs import resume_stalled_jobs

    return len(resume_stalled_jobs())
