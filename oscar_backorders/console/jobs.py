"""Console jobs: a queue action over many lines, run by a Celery task in batches.

A confirmed action over more lines than ``BACKORDERS_CONSOLE_TASK_THRESHOLD`` is not run while
the merchant waits: :func:`start_job` stores a :class:`ConsoleJob` (the lines cut into batches,
the form's data, who asked, in which language) and, after commit, queues
:func:`oscar_backorders.console.tasks.run_console_job`, which calls :func:`run_job`.

:func:`run_job` runs each batch with the action's runner (:mod:`.runners`, the same functions
the synchronous path calls), re-validating the form against the batch's lines as they are now.
A batch is one transaction together with the job's progress, so a batch is applied exactly once
and a refused or failing batch changes nothing and is reported while the batches before it stay
done; the job goes on with the next batch. "Ship and capture" is the exception the synchronous
path makes too: each order commits on its own (money captured must stay recorded), and the
job's progress is saved after the batch. A worker that stops mid-job leaves ``batches_done``
where it was; the task runs again (``acks_late``) and goes on from there.

One worker at a time: :func:`run_job` first takes the job's lease (``lease_until``, renewed
before each batch), and a task that finds it held by another worker returns at once, so a
duplicated message never applies a batch twice. :func:`resume_stalled_jobs` (the
``backorders.console.resume-jobs`` schedule) queues the task again for a job no worker took
within :data:`STALLED_AFTER` (its message lost by the broker) and for one whose lease ran out
(its worker died and the broker did not hand the message out again).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model

from oscar_backorders.console.abstract_models import JobStatus
from oscar_backorders.console.runners import SPECS, ActionSpec, Outcome, allocation_report
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.queueing import enqueue_after_commit

logger = logging.getLogger(__name__)

#: Lines per batch (a batch grows past it only to keep an order or a stock record whole).
#: The registered name of :func:`oscar_backorders.console.tasks.run_console_job` (fixed: queued
#: messages name it).
RUN_CONSOLE_JOB_TASK = "oscar_backorders.console.tasks.run_console_job"

BATCH_LINES = 100
#: How long a worker holds a job without finishing a batch before another may take it over.
LEASE = datetime.timedelta(minutes=30)
#: A job no worker took within this long is queued again.
STALLED_AFTER = datetime.timedelta(minutes=5)


def cut_batches(spec: ActionSpec, lines: Sequence[Any], size: int | None = None) -> list[list[int]]:
    """Pure: the lines' ids in batches of about ``size``, never splitting a batch key."""
    size = size or BATCH_LINES
    key = spec.batch_key or (lambda line: line.pk)
    ordered = sorted(lines, key=lambda line: (str(key(line)), line.pk))
    batches: list[list[int]] = []
    last: Any = object()
    for line in ordered:
        current = key(line)
        if not batches or (len(batches[-1]) >= size and current != last):
            batches.append([])
        batches[-1].append(line.pk)
        last = current
    return batches


def start_job(
    spec: ActionSpec, *, lines: Sequence[Any], form_data: dict[str, str], user: Any
) -> Any:
    """Store a job for ``spec`` over ``lines`` and queue its task after commit."""
    ConsoleJob = get_model("oscar_backorders", "ConsoleJob")
    job = ConsoleJob._default_manager.create(
        action=spec.name,
        user=user,
        language=translation.get_language() or "",
        batches=cut_batches(spec, lines),
        form_data=form_data,
        total=len(lines),
    )
    # By the task's registered name, after commit (services never import task modules).
    enqueue_after_commit(RUN_CONSOLE_JOB_TASK, [(job.pk,)])
    return job


def _describe_batch(job: Any, index: int, reason: str) -> str:
    return ngettext(
        "Batch %(number)d of %(count)d (%(lines)d line) was not applied: %(reason)s",
        "Batch %(number)d of %(count)d (%(lines)d lines) was not applied: %(reason)s",
        len(job.batches[index]),
    ) % {
        "number": index + 1,
        "count": len(job.batches),
        "lines": len(job.batches[index]),
        "reason": reason,
    }


def _run_batch(spec: ActionSpec, job: Any, ids: list[int]) -> Outcome:
    BackorderLine = get_model("oscar_backorders", "BackorderLine")
    lines = list(
        BackorderLine._default_manager.filter(pk__in=ids)
        .select_related("order__user", "line")
        .order_by("pk")
    )
    form = spec.form_class(job.form_data, lines=lines, today=timezone.localdate())
    if not form.is_valid():
        errors = [str(error) for errors in form.errors.values() for error in errors]
        raise BackorderError(" ".join(errors))
    return spec.run(form, lines, job.user)


def _attempt(spec: ActionSpec, job: Any, index: int) -> Outcome:
    """Run batch ``index``; a refusal or failure becomes the outcome's refusal (and, for an
    all-or-nothing action, rolls the batch back to its savepoint)."""
    try:
        if spec.all_or_nothing:
            with transaction.atomic():
                return _run_batch(spec, job, job.batches[index])
        return _run_batch(spec, job, job.batches[index])
    except (BackorderError, ValueError) as exc:
        return Outcome(refusals=[_describe_batch(job, index, str(exc))])
    except Exception as exc:  # a bug or an outage: report it, keep the batches done
        logger.exception("Console job %s: batch %d failed", job.pk, index + 1)
        reason = _("it failed unexpectedly (%(error)s); see the server log.") % {
            "error": type(exc).__name__
        }
        return Outcome(refusals=[_describe_batch(job, index, reason)])


def _record(job: Any, index: int, outcome: Outcome) -> None:
    counts = job.counts
    counts["changed"] = counts.get("changed", 0) + len(outcome.changed)
    counts["units"] = counts.get("units", 0) + outcome.units
    counts["filled"] = counts.get("filled", 0) + len(outcome.filled)
    counts["ready"] = counts.get("ready", 0) + len(outcome.ready)
    counts["others"] = counts.get("others", 0) + outcome.others
    counts["waiting"] = counts.get("waiting", 0) + outcome.waiting
    job.refusals = [*job.refusals, *outcome.refusals]
    job.batches_done = index + 1
    job.done = min(job.total, job.done + len(job.batches[index]))
    job.status = JobStatus.RUNNING
    job.lease_until = timezone.now() + LEASE
    job.save()
    for line, message in outcome.changed:
        LogEntry.objects.log_actions(
            user_id=job.user_id,
            queryset=[line],
            action_flag=CHANGE,
            change_message=message,
            single_object=True,
        )


def summary(job: Any) -> str:
    """What the job did, in the merchant's words (refusals are listed apart)."""
    spec = SPECS[job.action]
    counts = job.counts
    if spec.name == "allocate_now":
        text = allocation_report(
            units=counts.get("units", 0),
            filled=counts.get("filled", 0),
            ready=counts.get("ready", 0),
            others=counts.get("others", 0),
            waiting=bool(counts.get("waiting", 0)),
        )
    else:
        changed = counts.get("changed", 0)
        text = ngettext(
            "%(title)s: %(count)d line changed.", "%(title)s: %(count)d lines changed.", changed
        ) % {"title": spec.title, "count": changed}
    if job.refusals:
        text += " " + ngettext(
            "%(count)d refusal, listed below.",
            "%(count)d refusals, listed below.",
            len(job.refusals),
        ) % {"count": len(job.refusals)}
    return text


def run_job(job_id: int) -> Any:
    """Run the batches of job ``job_id`` not done yet; returns the job (None if unknown).

    Idempotent: each batch's result and the job's progress commit together (see the module's
    docstring for "ship and capture"), and a finished job is left alone.
    """
    ConsoleJob = get_model("oscar_backorders", "ConsoleJob")
    job = ConsoleJob._default_manager.filter(pk=job_id).select_related("user").first()
    if job is None or job.status == JobStatus.DONE or not _claim(job_id):
        return job
    spec = SPECS[job.action]
    with translation.override(job.language or None):
        while True:
            with transaction.atomic():
                # Lock the job's row only: PostgreSQL refuses FOR UPDATE on the nullable side of
                # the outer join to its user.
                job = (
                    ConsoleJob._default_manager.select_for_update(of=("self",))
                    .select_related("user")
                    .get(pk=job_id)
                )
                index = job.batches_done
                if index >= len(job.batches):
                    job.status = JobStatus.DONE
                    job.message = summary(job)
                    job.lease_until = None
                    job.save()
                    return job
                job.lease_until = timezone.now() + LEASE
                job.save(update_fields=["lease_until"])
                if spec.all_or_nothing:
                    _record(job, index, _attempt(spec, job, index))
                    continue
            outcome = _attempt(spec, job, index)
            with transaction.atomic():
                job = ConsoleJob._default_manager.select_for_update().get(pk=job_id)
                if job.batches_done == index:
                    _record(job, index, outcome)


def _claim(job_id: int) -> bool:
    """Take job ``job_id``'s lease unless another worker holds it (one atomic UPDATE)."""
    ConsoleJob = get_model("oscar_backorders", "ConsoleJob")
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    claimed = (
        ConsoleJob._default_manager.filter(free, pk=job_id)
        .exclude(status=JobStatus.DONE)
        .update(lease_until=now + LEASE)
    )
    return claimed == 1


def resume_stalled_jobs(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue the task again for every unfinished job no worker took within
    :data:`STALLED_AFTER` or whose worker's lease ran out; returns their ids.

    Safe to run at any time and concurrently: a job a worker holds is left alone, and a task
    queued twice for the same job runs it once (:func:`_claim`).
    """
    ConsoleJob = get_model("oscar_backorders", "ConsoleJob")
    now = now or timezone.now()
    stalled = (
        ConsoleJob._default_manager.exclude(status=JobStatus.DONE)
        .filter(
            Q(lease_until__lte=now)
            | Q(lease_until__isnull=True, date_updated__lte=now - STALLED_AFTER)
        )
        .order_by("pk")
    )
    ids = list(stalled.values_list("pk", flat=True))
    enqueue_after_commit(RUN_CONSOLE_JOB_TASK, [(pk,) for pk in ids])
    return ids


def progress(job: Any) -> dict[str, Any]:
    """The job's state for the progress page's polling (plain JSON data)."""
    return {
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "done": job.done,
        "total": job.total,
        "finished": job.status == JobStatus.DONE,
        "message": job.message,
        "refusals": list(job.refusals),
    }


__all__ = [
    "BATCH_LINES",
    "LEASE",
    "STALLED_AFTER",
    "cut_batches",
    "progress",
    "resume_stalled_jobs",
    "run_job",
    "start_job",
    "summary",
]
