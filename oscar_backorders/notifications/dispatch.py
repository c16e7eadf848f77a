"""Claim a notice once, send it once, retry it with backoff.

Exactly once, step by step:

1. **Claim.** :func:`claim` inserts a :class:`Notice` row; the unique constraint on
   ``(scope, kind, version)`` makes a second claim of the same notice fail, whichever worker,
   beat or rerun tries it. The row is the outbox: it is committed before anything is sent.
2. **Send.** :func:`send_notice` locks the row (``SELECT … FOR UPDATE SKIP LOCKED`` where the
   database has it, so two workers never hold the same notice), re-checks that it is still
   pending and due, renders it through Oscar's ``CommunicationEventType`` in the recipient's
   language, hands it to Oscar's ``Dispatcher``, and marks it sent in the same transaction.
3. **Retry.** A failing render or backend leaves the row pending with ``next_attempt_at`` pushed
   back (:func:`~oscar_backorders.notifications.notices.retry_delay`); the sweep task picks it up
   again. After ``BACKORDERS_NOTICE_MAX_ATTEMPTS`` it is marked failed and shows in the admin.

Once the mail backend has accepted a message it is never sent again because of a database error
after it: if marking the notice sent fails (with web server, worker and beat on one SQLite file:
"database is locked"), the mark is written again on a fresh transaction (:func:`_mark_sent`), a
few times with a short backoff, instead of leaving the notice pending for the sweep to resend.

The window left: a worker killed after the mail backend accepted a message but before its mark
was written sends that message again on the retry (at-least-once at that boundary, which no SMTP
server lets us close), as does a mark that still fails after every retry.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from oscar.core.loading import get_class, get_model

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications import content
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from oscar_backorders.notifications.email_types import ensure_email_types
from oscar_backorders.notifications.notices import EMAIL_CODES, retry_delay

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


def enqueue(notice_ids: Iterable[int]) -> None:
    """Ask a worker to send these notices once the current transaction commits.

    Only a shortcut: the sweep (``dispatch_due_notices``) sends whatever this misses.
    """
    ids = list(notice_ids)
    if not ids:
        return

    def _send(ids: list[int] = ids) -> None:
        from oscar_backorders.notifications.tasks import send_notice as task

        for notice_id in ids:
            task.delay(notice_id)

    # robust: a broker that cannot be reached must not fail the request that recorded the
    # notice; the sweep sends it.
    transaction.on_commit(_send, robust=True)


def _locked(notice_id: int) -> Any | None:
    queryset = _notice_model()._default_manager.filter(pk=notice_id)
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    else:
        queryset = queryset.select_for_update()
    return queryset.select_related("order", "order__user").first()


def render(notice: Any) -> dict[str, str] | None:
    """Subject, text and HTML of the notice in its language, or ``None`` if nothing to tell."""
    Dispatcher = get_class("communication.utils", "Dispatcher")
    ensure_email_types()
    with translation.override(notice.language or settings.LANGUAGE_CODE):
        context = content.build(notice)
        if context is None:
            return None
        return Dispatcher().get_messages(EMAIL_CODES[notice.kind], context)


class _MailConnection:
    """The mail backend of one send, remembering whether it accepted the message.

    Once it has, the message is out: nothing that fails afterwards may send it again.
    """

    def __init__(self) -> None:
        self.backend = get_connection()
        self.accepted = False

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        sent = self.backend.send_messages(messages)
        self.accepted = True
        return sent


def _deliver(notice: Any, messages: dict[str, str], mail: _MailConnection) -> None:
    if notice.kind == NoticeKind.MERCHANT_DIGEST:
        recipients = [r for r in notice.recipient.split(",") if r]
        email = EmailMultiAlternatives(
            messages["subject"],
            messages["body"],
            settings.OSCAR_FROM_EMAIL,
            recipients,
            connection=mail,
        )
        if messages.get("html"):
            email.attach_alternative(messages["html"], "text/html")
        email.send()
        return
    Dispatcher = get_class("communication.utils", "Dispatcher")
    order = notice.order
    user = getattr(order, "user", None)
    if user is not None and user.email and user.email.lower() == notice.recipient.lower():
        # Logged as an Oscar ``Email`` so the customer sees it in their account.
        Dispatcher(mail_connection=mail).dispatch_user_messages(user, messages)
    else:
        Dispatcher(mail_connection=mail).dispatch_anonymous_messages(notice.recipient, messages)


#: Seconds to wait before each new try of a "sent" mark that failed to be written.
MARK_SENT_RETRY_DELAYS: tuple[float, ...] = (0.2, 1.0, 3.0, 10.0)


def _mark_sent(notice_id: int, *, date_sent: datetime.datetime) -> None:
    """Write the "sent" mark of a notice the mail backend accepted, retrying until it sticks.

    Each try is its own transaction, on a fresh connection when the failure broke the old one
    (a dropped PostgreSQL connection; a SQLite connection that was only locked out is kept).
    Raises the last error when every try failed: the notice is then still pending, and the sweep
    will send it again.
    """
    Notice = _notice_model()
    error: DatabaseError | None = None
    for delay in MARK_SENT_RETRY_DELAYS:
        time.sleep(delay)
        try:
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            with transaction.atomic():
                Notice._default_manager.filter(pk=notice_id).exclude(
                    status=NoticeStatus.SENT
                ).update(status=NoticeStatus.SENT, date_sent=date_sent, attempts=F("attempts") + 1)
            return
        except DatabaseError as exc:
            error = exc
            logger.warning("Notice %s: writing its sent mark failed again: %s", notice_id, exc)
    logger.error(
        "Notice %s was sent, but marking it sent failed %d times; the sweep will send it again.",
        notice_id,
        len(MARK_SENT_RETRY_DELAYS) + 1,
    )
    assert error is not None
    raise error


def send_notice(notice_id: int) -> str:
    """Send one claimed notice if it is still pending and due; return its status afterwards.

    Returns ``"busy"`` when another worker holds the row, ``"missing"`` when there is no such
    notice and ``"not_due"`` when its retry time has not come. Never raises for a failing
    backend: the failure is recorded and retried. A database error after the backend accepted
    the message does not send it again: the "sent" mark is retried (:func:`_mark_sent`).
    """
    # Before the notice's transaction, so the email types commit at once: inserted inside it,
    # every other worker's first send would wait on them until this one's mail went out.
    ensure_email_types()
    mail = _MailConnection()
    now = timezone.now()
    try:
        return _send_notice(notice_id, mail, now=now)
    except DatabaseError as exc:
        if not mail.accepted:
            raise
        logger.warning("Notice %s was sent, but marking it sent failed: %s", notice_id, exc)
        _mark_sent(notice_id, date_sent=now)
        return NoticeStatus.SENT


def _send_notice(notice_id: int, mail: _MailConnection, *, now: datetime.datetime) -> str:
    with transaction.atomic():
        notice = _locked(notice_id)
        if notice is None:
            exists = _notice_model()._default_manager.filter(pk=notice_id).exists()
            return "busy" if exists else "missing"
        if notice.status != NoticeStatus.PENDING:
            return notice.status
        if notice.next_attempt_at and notice.next_attempt_at > now:
            return "not_due"
        if not notice.recipient:  # a guest order without an address: nobody to tell
            notice.status = NoticeStatus.SKIPPED
            notice.last_error = "No recipient address."
            notice.save(update_fields=["status", "last_error"])
            return notice.status
        notice.attempts += 1
        try:
            with transaction.atomic():
                messages = render(notice)
                if messages is not None:
                    _deliver(notice, messages, mail)
                    content.record_told(notice)
        except Exception as exc:  # the backend's errors are not ours to know; record and retry
            if mail.accepted:
                # Sent: only what Oscar records after sending failed (its copy of the email in
                # the customer's account). Sending again would be a duplicate.
                logger.warning("Notice %s was sent, but recording it failed: %s", notice.pk, exc)
                notice.status = NoticeStatus.SENT
                notice.date_sent = now
            else:
                logger.warning("Notice %s failed (attempt %d): %s", notice.pk, notice.attempts, exc)
                notice.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if notice.attempts >= backorder_settings.NOTICE_MAX_ATTEMPTS:
                    notice.status = NoticeStatus.FAILED
                else:
                    notice.next_attempt_at = now + retry_delay(
                        notice.attempts,
                        base_seconds=backorder_settings.NOTICE_RETRY_BASE_SECONDS,
                        max_seconds=backorder_settings.NOTICE_RETRY_MAX_SECONDS,
                    )
        else:
            if messages is None:
                notice.status = NoticeStatus.SKIPPED
            else:
                notice.status = NoticeStatus.SENT
                notice.date_sent = now
        notice.save(
            update_fields=["status", "attempts", "next_attempt_at", "last_error", "date_sent"]
        )
        return notice.status


def due_notice_ids(*, limit: int, after: int = 0) -> list[int]:
    """Pending notices whose (re)try time has come, by id, from ``after`` on (keyset paging)."""
    return list(
        _notice_model()
        ._default_manager.filter(
            status=NoticeStatus.PENDING, next_attempt_at__lte=timezone.now(), pk__gt=after
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


__all__ = ["claim", "due_notice_ids", "enqueue", "render", "send_notice"]
