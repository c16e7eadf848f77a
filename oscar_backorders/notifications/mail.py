"""The email of a notice: built as Oscar's ``Dispatcher`` builds it, with a stable Message-ID.

Oscar's ``Dispatcher`` sends a message the moment it has built it and takes no headers, so the
plugin builds the ``EmailMessage`` the same way (the rendered subject, text body and HTML
alternative, from ``OSCAR_FROM_EMAIL``) and adds:

- a ``Message-ID`` derived from the notice (:func:`message_id`): every send of one notice carries
  the same one, so a message sent again after a worker stopped is recognisably the same message to
  mail servers, mail clients and providers that deduplicate on it;
- on a notice the customer may opt out of (the periodic follow-up), ``List-Unsubscribe`` with
  the signed unsubscribe link and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
  (RFC 8058), so mail clients offer their own unsubscribe button and a mailbox provider's
  one-click POST turns follow-ups off (the link's view takes it without a CSRF token: the
  signed token in the URL is the authority). Notices the law or the contract requires carry
  neither: they cannot be unsubscribed from;
- ``BACKORDERS_NOTICE_EMAIL_HOOK``, called with the message, the notice and its idempotency key
  (:func:`idempotency_key`) before sending, for providers that deduplicate on a key of their own.

The copy Oscar keeps in the customer's account (``communication.Email``, with
``OSCAR_SAVE_SENT_EMAILS_TO_DB``) is written by Oscar's own ``Dispatcher.create_email``, in the
transaction that marks the notice sent (:func:`keep_copy`).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.utils.module_loading import import_string
from oscar.core.loading import get_class

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications.abstract_models import NoticeKind

logger = logging.getLogger(__name__)

#: The key under which :func:`oscar_backorders.notifications.dispatch.render` passes the
#: notice's unsubscribe link along with Oscar's rendered messages.
UNSUBSCRIBE_URL = "backorders_unsubscribe_url"


def idempotency_key(notice: Any) -> str:
    """The same for every send of ``notice``, different for every other notice of any shop.

    The notice's id and the microsecond it was claimed: ids alone repeat across shops (and
    across a database restored from a backup) that send through one provider account.
    """
    created = notice.date_created.astimezone(datetime.UTC)
    return f"backorder-notice-{notice.pk}-{created:%Y%m%d%H%M%S%f}"


def message_id(notice: Any) -> str:
    """``<idempotency key@the domain of OSCAR_FROM_EMAIL>`` (the host's name without one)."""
    domain = parseaddr(settings.OSCAR_FROM_EMAIL)[1].rpartition("@")[2] or str(DNS_NAME)
    return f"<{idempotency_key(notice)}@{domain}>"


def recipients(notice: Any) -> list[str]:
    return [address for address in notice.recipient.split(",") if address]


def account_user(notice: Any) -> Any | None:
    """The customer whose account lists the email: the order's user, when it is their address."""
    if notice.kind == NoticeKind.MERCHANT_DIGEST:
        return None
    user = getattr(notice.order, "user", None) if notice.order_id else None
    if user is not None and user.email and user.email.lower() == notice.recipient.lower():
        return user
    return None


def headers(notice: Any, messages: dict[str, str]) -> dict[str, str]:
    """The message's own headers: its Message-ID, and the one-click unsubscribe when it has a
    link to unsubscribe with."""
    found = {"Message-ID": message_id(notice)}
    url = messages.get(UNSUBSCRIBE_URL)
    if url:
        found["List-Unsubscribe"] = f"<{url}>"
        found["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return found


def build(notice: Any, messages: dict[str, str]) -> EmailMessage:
    """The message to send for ``notice`` from its rendered ``messages`` (Oscar's keys)."""
    email = EmailMultiAlternatives(
        messages["subject"],
        messages["body"],
        settings.OSCAR_FROM_EMAIL,
        recipients(notice),
        headers=headers(notice, messages),
    )
    if messages.get("html"):
        email.attach_alternative(messages["html"], "text/html")
    if backorder_settings.NOTICE_EMAIL_HOOK:
        hook = import_string(backorder_settings.NOTICE_EMAIL_HOOK)
        hook(email, notice=notice, key=idempotency_key(notice))
    return email


def keep_copy(user: Any | None, email: EmailMessage, messages: dict[str, str]) -> None:
    """Oscar's copy of a sent email in ``user``'s account, as ``Dispatcher`` keeps it."""
    if user is None or not settings.OSCAR_SAVE_SENT_EMAILS_TO_DB:
        return
    Dispatcher = get_class("communication.utils", "Dispatcher")
    Dispatcher().create_email(user, messages, email)


class AcceptingConnection:
    """The mail backend of one send, remembering whether it accepted the message.

    Once it has, the message is out: nothing that fails afterwards may send it again. The
    session is opened before the send and ended (:meth:`close`) only after the notice is marked
    sent: Django's SMTP backend, left to itself, ends its session (``QUIT``, one more round trip
    to the server) before returning, and a worker that died during that round trip would have
    had the message accepted and not marked.
    """

    def __init__(self) -> None:
        self.backend = get_connection()
        self.accepted = False

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        self.backend.open()
        sent = self.backend.send_messages(messages)
        self.accepted = True
        return sent

    def close(self) -> None:
        """End the session; what goes wrong here changes nothing about what was sent."""
        try:
            self.backend.close()
        except Exception as exc:  # a server that hung up first; the backend's errors vary
            logger.info("Closing the mail connection failed: %s", exc)


__all__ = [
    "AcceptingConnection",
    "account_user",
    "build",
    "idempotency_key",
    "keep_copy",
    "message_id",
]
