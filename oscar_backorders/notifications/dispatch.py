"""The outbox: claim a notice once, commit it as *sending*, send it outside any transaction,
then mark it *sent* until the mark sticks.

1. **Claim.** :func:`claim` inserts a :class:`Notice` row; the unique constraint on
   ``(scope, kind, version)`` makes a second claim of the same notice fail, whichever worker,
   beat or rerun tries it. The row is committed before anything is sent.
2. **Take.** :func:`send_notice` locks the row (``SELECT … FOR UPDATE SKIP LOCKED`` where the
   database has it), re-checks that it is pending and due, renders it in the recipient's language
   and commits it as *sending*: ``attempts`` + 1, ``next_attempt_at`` = now +
   ``BACKORDERS_NOTICE_SENDING_GRACE_SECONDS``. The update is conditional on the status and
   attempts it read, so two workers never both take it, on SQLite (no row locks) either.
3. **Send**, outside any transaction and with no row lock held: a database failure during the
   SMTP conversation cannot undo a mark or roll back anything the send depends on. Every send of
   a notice carries the same ``Message-ID`` (:mod:`~oscar_backorders.notifications.mail`).
4. **Mark.** Once the mail backend accepted the message, *sent* is written in a transaction of
   its own (on a fresh connection when the old one broke), with the lines' "told" dates and
   Oscar's copy of the email in the customer's account, and retried with backoff
   (:data:`MARK_SENT_RETRY_DELAYS`, about 4 minutes) until it sticks. A failed mark never sends
   anything by itself.
5. **Retry.** A failing render, or a backend that did not accept the message, puts the notice
   back to pending with ``next_attempt_at`` pushed back
   (:func:`~oscar_backorders.notifications.notices.retry_delay`); after
   ``BACKORDERS_NOTICE_MAX_ATTEMPTS`` it is marked failed and shows in the admin.
6. **Left sending.** A notice still *sending* after its grace period was left by a worker that
   stopped (killed, out of memory, host lost) between the take and the mark. The sweep takes it
   again, counts it in ``resends`` and sends it with the same ``Message-ID``. If the worker
   stopped before the mail server accepted, that is the first delivery; if it stopped in the
   milliseconds between the accept and the mark, it is a duplicate: the one window left, which no
   SMTP server lets us close (a provider that deduplicates on the Message-ID, or on the key
   ``BACKORDERS_NOTICE_EMAIL_HOOK`` hands it, closes it).

Nothing here imports a task: :func:`enqueue` hands the ``send_notice`` task its ids by name,
after commit, through :mod:`oscar_backorders.queueing`; the tasks in
:mod:`~oscar_backorders.notifications.tasks` call this module, never the other way round.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone, translation
from oscar.core.loading import get_class, get_model

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications import content, mail
from oscar_backorders.notifications.abstract_models import NoticeStatus
from oscar_backorders.notifications.email_types import ensure_email_types
from oscar_backorders.notifications.notices import EMAIL_CODES, retry_delay
from oscar_backorders.queueing import enqueue_after_commit

logger = logging.getLogger(__name__)


def _notice_model() -> Any:
    return get_model("oscar_backorders", "Notice")


def claim(
    *,
    scope: str,
    kind: str,
    version: str,
    order: Any | None = None,
    recipient: str = "",
    language: str = "",
    payload: dict[str, Any] | None = None,
    cursor: int | None = None,
    status: str = NoticeStatus.PENDING,
) -> Any | None:
    """Insert the notice if nobody did before; return it, or ``None`` when it already exists.

    Runs in a savepoint, so a lost race leaves the caller's transaction usable.
    """
    Notice = _notice_model()
    try:
        with transaction.atomic():
            return Notice._default_manager.create(
                scope=scope,
                kind=kind,
                version=version[:64],
                order=order,
                recipient=recipient,
                language=language,
                payload=payload or {},
                cursor=cursor,
                status=status,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None


#: The registered name of the task that sends one notice (``tasks.send_notice``); services reach
#: it by name only (:mod:`oscar_backorders.queueing`), never by importing the task module.
SEND_NOTICE_TASK = "oscar_backorders.notifications.tasks.send_notice"


def enqueue(notice_ids: Iterable[int]) -> None:
    """Ask a worker to send these notices once the current transaction commits.

    Only a shortcut: the sweep (``dispatch_due_notices``) sends whatever this misses, so a broker
    that cannot be reached never fails the request that recorded the notice.
    """
    enqueue_after_commit(SEND_NOTICE_TASK, [(notice_id,) for notice_id in notice_ids])


def render(notice: Any) -> dict[str, str] | None:
    """Subject, text and HTML of the notice in its language, or ``None`` if nothing to tell."""
    Dispatcher = get_class("communication.utils", "Dispatcher")
    ensure_email_types()
    with translation.override(notice.language or settings.LANGUAGE_CODE):
        context = content.build(notice)
        if context is None:
            return None
        messages = Dispatcher().get_messages(EMAIL_CODES[notice.kind], context)
    if context.get("unsubscribe_url"):
        # For the List-Unsubscribe header (mail.build): a notice the customer may opt out of.
        messages[mail.UNSUBSCRIBE_URL] = context["unsubscribe_url"]
    return messages


def _reconnect_if_broken() -> None:
    """Between transactions, drop a connection an error left unusable (the next query opens a
    new one). A connection that only met an error (SQLite's "database is locked") is kept."""
    if connection.in_atomic_block or connection.connection is None:
        return
    if connection.errors_occurred:
        if connection.is_usable():
            connection.errors_occurred = False
        else:
            connection.close()


def _locked(notice_id: int) -> Any | None:
    queryset = _notice_model()._default_manager.filter(pk=notice_id)
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    else:
        queryset = queryset.select_for_update()
    return queryset.select_related("order", "order__user").first()


def _update(notice: Any, **fields: Any) -> bool:
    """Write ``fields`` if nobody changed the notice since it was read (its status and attempts
    are its version); set them on ``notice`` too. ``False`` when somebody did."""
    updated = (
        _notice_model()
        ._default_manager.filter(pk=notice.pk, status=notice.status, attempts=notice.attempts)
        .update(**fields)
    )
    if updated:
        for name, value in fields.items():
            setattr(notice, name, value)
    return bool(updated)


def _failure(exc: Exception, *, attempts: int, now: datetime.datetime) -> dict[str, Any]:
    """The fields of a notice whose ``attempts``-th try failed before the mail server accepted."""
    fields: dict[str, Any] = {"attempts": attempts, "last_error": f"{type(exc).__name__}: {exc}"}
    fields["last_error"] = fields["last_error"][:2000]
    if attempts >= backorder_settings.NOTICE_MAX_ATTEMPTS:
        fields["status"] = NoticeStatus.FAILED
    else:
        fields["status"] = NoticeStatus.PENDING
        fields["next_attempt_at"] = now + retry_delay(
            attempts,
            base_seconds=backorder_settings.NOTICE_RETRY_BASE_SECONDS,
            max_seconds=backorder_settings.NOTICE_RETRY_MAX_SECONDS,
        )
    return fields


@dataclass
class _Taken:
    """A notice committed as *sending*, and the message to send for it."""

    notice: Any
    email: EmailMessage
    messages: dict[str, str]


def _take(notice_id: int, *, now: datetime.datetime) -> _Taken | str:
    """Commit the notice as *sending* and return what to send, or the status that stops it."""
    with transaction.atomic():
        notice = _locked(notice_id)
        if notice is None:
            exists = _notice_model()._default_manager.filter(pk=notice_id).exists()
            return "busy" if exists else "missing"
        if notice.status not in (NoticeStatus.PENDING, NoticeStatus.SENDING):
            return notice.status
        if notice.next_attempt_at and notice.next_attempt_at > now:
            return "not_due" if notice.status == NoticeStatus.PENDING else notice.status
        left_sending = notice.status == NoticeStatus.SENDING
        if left_sending:
            logger.warning(
                "Notice %s was left sending (attempt %d) by a worker that stopped; sending it "
                "again with the same Message-ID.",
                notice.pk,
                notice.attempts,
            )
            if notice.attempts >= backorder_settings.NOTICE_MAX_ATTEMPTS:
                error = f"Left sending by a stopped worker {notice.attempts} times; gave up."
                return _give_up(notice, NoticeStatus.FAILED, error)
        if not notice.recipient:  # a guest order without an address: nobody to tell
            return _give_up(notice, NoticeStatus.SKIPPED, "No recipient address.")
        try:
            with transaction.atomic():
                messages = render(notice)
                email = mail.build(notice, messages) if messages is not None else None
        except Exception as exc:  # a template or a hook of the shop's; record and retry
            logger.warning(
                "Notice %s failed to render (attempt %d): %s", notice.pk, notice.attempts + 1, exc
            )
            if not _update(notice, **_failure(exc, attempts=notice.attempts + 1, now=now)):
                return "busy"
            return notice.status
        if messages is None or email is None:
            return _give_up(notice, NoticeStatus.SKIPPED, "")
        grace = datetime.timedelta(seconds=backorder_settings.NOTICE_SENDING_GRACE_SECONDS)
        taken = _update(
            notice,
            status=NoticeStatus.SENDING,
            attempts=notice.attempts + 1,
            resends=notice.resends + left_sending,
            next_attempt_at=now + grace,
        )
        return _Taken(notice, email, messages) if taken else "busy"


def _give_up(notice: Any, status: str, error: str) -> str:
    """Settle the notice without sending it (skipped, failed); ``"busy"`` if another took it."""
    return status if _update(notice, status=status, last_error=error) else "busy"


def _give_back(notice: Any, exc: Exception, *, now: datetime.datetime) -> str:
    """After a backend that did not accept the message: pending with backoff, or failed.

    If even this write fails, the notice stays *sending* and is taken again after its grace
    period: no mail went out, so that is no duplicate.
    """
    logger.warning("Notice %s failed (attempt %d): %s", notice.pk, notice.attempts, exc)
    _reconnect_if_broken()
    with transaction.atomic():
        fields = _failure(exc, attempts=notice.attempts, now=now)
        return notice.status if _update(notice, **fields) else NoticeStatus.SENDING


#: Seconds to wait before each try of a "sent" mark: the first at once, the others after a
#: failure (about 4 minutes in all, well inside the default grace period of 15 minutes).
MARK_SENT_RETRY_DELAYS: tuple[float, ...] = (0, 0.2, 1.0, 3.0, 10.0, 30.0, 60.0, 120.0)


def _mark_sent(taken: _Taken, *, date_sent: datetime.datetime) -> None:
    """Write the "sent" mark of a notice the mail backend accepted, retrying until it sticks.

    Each try is its own transaction, on a fresh connection when the failure broke the old one
    (a dropped PostgreSQL connection; a SQLite connection that was only locked out is kept). The
    lines' "told" dates and Oscar's copy of the email go in the same transaction, in a savepoint:
    their failure is logged and never holds the mark back. Raises the last error when every try
    failed: the notice is then left *sending*, and sent again once its grace period is over.
    """
    Notice = _notice_model()
    notice = taken.notice
    error: DatabaseError | None = None
    for delay in MARK_SENT_RETRY_DELAYS:
        time.sleep(delay)
        try:
            _reconnect_if_broken()
            with transaction.atomic():
                marked = (
                    Notice._default_manager.filter(pk=notice.pk)
                    .exclude(status=NoticeStatus.SENT)
                    .update(status=NoticeStatus.SENT, date_sent=date_sent, last_error="")
                )
                if marked:
                    _record_sent(taken)
            notice.status = NoticeStatus.SENT
            return
        except DatabaseError as exc:
            error = exc
            logger.warning("Notice %s: writing its sent mark failed: %s", notice.pk, exc)
    logger.error(
        "Notice %s was sent, but marking it sent failed %d times; it stays sending and is sent "
        "again after %d seconds.",
        notice.pk,
        len(MARK_SENT_RETRY_DELAYS),
        backorder_settings.NOTICE_SENDING_GRACE_SECONDS,
    )
    assert error is not None
    raise error


def _record_sent(taken: _Taken) -> None:
    try:
        with transaction.atomic():
            content.record_told(taken.notice)
            mail.keep_copy(mail.account_user(taken.notice), taken.email, taken.messages)
    except DatabaseError as exc:
        if connection.needs_rollback:  # not even the savepoint rolled back: the connection broke
            raise
        logger.warning("Notice %s was sent, but recording it failed: %s", taken.notice.pk, exc)


def send_notice(notice_id: int) -> str:
    """Send one claimed notice if it is due; return its status afterwards.

    Returns ``"busy"`` when another worker holds the row, ``"missing"`` when there is no such
    notice, ``"not_due"`` when its retry time has not come and ``"sending"`` when another worker
    is sending it (within its grace period). Never raises for a failing backend: the failure is
    recorded and retried. Raises ``DatabaseError`` when the database fails; the notice is then
    pending or sending, and the sweep finds it again. Called outside a transaction, it sends
    outside one (inside one, as in tests, the steps are savepoints).
    """
    # Before the notice's transaction, so the email types commit at once: inserted inside it,
    # every other worker's first send would wait on them.
    ensure_email_types()
    _reconnect_if_broken()
    taken = _take(notice_id, now=timezone.now())
    if isinstance(taken, str):
        return taken
    backend = mail.AcceptingConnection()
    logger.info("Sending email to %s (notice %s)", taken.notice.recipient, notice_id)
    try:
        try:
            backend.send_messages([taken.email])
        except Exception as exc:  # the backend's errors are not ours to know; record and retry
            return _give_back(taken.notice, exc, now=timezone.now())
        _mark_sent(taken, date_sent=timezone.now())
    finally:
        backend.close()  # after the mark: the end of the SMTP session is not in the window
    return NoticeStatus.SENT


def due_notice_ids(*, limit: int, after: int = 0) -> list[int]:
    """Notices to send now, by id, from ``after`` on (keyset paging): pending ones whose (re)try
    time has come and *sending* ones whose grace period is over."""
    return list(
        _notice_model()
        ._default_manager.filter(
            status__in=(NoticeStatus.PENDING, NoticeStatus.SENDING),
            next_attempt_at__lte=timezone.now(),
            pk__gt=after,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def send_due(*, chunk_size: int) -> int:
    """The sweep: send every notice :func:`due_notice_ids` lists; return how many went out.

    A database error on one notice (a dropped connection) is logged and the sweep goes on with
    the next on a new connection; a second one in a row stops it (the next sweep starts over).
    """
    sent = 0
    after = 0
    failed_last = False
    while ids := due_notice_ids(limit=chunk_size, after=after):
        for notice_id in ids:
            try:
                status = send_notice(notice_id)
            except DatabaseError as exc:
                if failed_last:
                    raise
                failed_last = True
                logger.warning("Sweep: notice %s hit a database error: %s", notice_id, exc)
                continue
            failed_last = False
            sent += status == NoticeStatus.SENT
        after = ids[-1]
    return sent


__all__ = [
    "SEND_NOTICE_TASK",
    "claim",
    "due_notice_ids",
    "enqueue",
    "render",
    "send_due",
    "send_notice",
]
