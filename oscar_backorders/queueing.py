"""The one way service code hands work to Celery: by the task's registered name, after commit.

Tasks are thin wrappers that call services (``notifications/tasks.py`` calls ``dispatch`` and
``scans``), so a service that imported a task module would close an import circle. No service
does: one that must enqueue work calls :func:`enqueue_after_commit` with the task's *name*, the
same string its ``@shared_task(name=...)`` declares and django-celery-beat's rows store.

The name is resolved with :func:`celery.signature` only when the transaction commits: in a
process that registered the task (every process that set Django up, since
``BackordersConfig.ready`` imports :mod:`oscar_backorders.tasks`), the signature calls the task
itself, so ``task_always_eager``, the task's options and the shop's routes apply; in one that did
not, it is sent to the broker by name (``send_task``) and a worker that knows it runs it. Either
way nothing here, nor in any service, imports a task module; ``tests/unit/test_import_graph.py``
keeps it so.

After commit, because a worker must find the rows the request wrote; ``robust``, because a broker
that cannot be reached must not fail the request that wrote them. Only what a periodic sweep
catches up on is enqueued this way (the notices' sweep sends whatever a lost message missed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from celery import signature
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task_name: str, calls: Iterable[Sequence[Any]]) -> None:
    """Once the current transaction commits, run ``task_name`` once per argument tuple of
    ``calls`` (at once when no transaction is open). Nothing is registered for no calls."""
    arg_lists = [tuple(args) for args in calls]
    if not arg_lists:
        return

    def _send(task_name: str = task_name, arg_lists: list[tuple[Any, ...]] = arg_lists) -> None:
        for args in arg_lists:
            signature(task_name, args=args).delay()

    transaction.on_commit(_send, robust=True)


__all__ = ["enqueue_after_commit"]
