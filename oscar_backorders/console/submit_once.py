"""One-time tokens on the console's confirmation pages: a confirmation applies once.

Each rendering of a confirmation page carries a fresh token (:func:`issue`): signed, naming the
user and the page (its *scope*), with a random nonce; nothing is stored until it is used. The
POST that applies the change first :func:`claim` s the token, which inserts its nonce in a table
with a unique constraint: a second POST of the same page (a double click, the browser's
"resubmit", a replayed request) cannot insert it again, is refused with
:class:`AlreadyApplied`, and changes nothing. A concurrent second POST waits on the unique
index until the first commits, then is refused the same way.

If the action is refused after the claim (nothing changed), :func:`release` gives the token back.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.exceptions import BackorderError

#: Name of the hidden field that carries the token.
FIELD = "confirmation_token"
#: How long a confirmation page stays usable.
MAX_AGE = datetime.timedelta(hours=12)
_SALT = "oscar_backorders.console.submit_once"


class SubmitRefused(BackorderError, ValueError):
    """The confirmation cannot be applied: its token is missing, expired or another page's."""


class AlreadyApplied(SubmitRefused):
    """This confirmation was applied before; ``submission`` is its record (``job`` if it ran
    as a task)."""

    def __init__(self, submission: Any) -> None:
        self.submission = submission
        super().__init__(_("This action was already applied; nothing was changed again."))


def issue(user: Any, scope: str) -> str:
    """A fresh token for a confirmation page ``scope`` shown to ``user``."""
    return signing.dumps(
        {"u": getattr(user, "pk", None), "s": scope, "n": secrets.token_urlsafe(18)}, salt=_SALT
    )


def page_context(user: Any, scope: str) -> dict[str, str]:
    """Template context for a confirmation page's hidden token field (``token_field``, ``token``)."""
    return {"token_field": FIELD, "token": issue(user, scope)}


def claim_post(request: Any, scope: str) -> Any:
    """:func:`claim` the token a POST carries, for its user."""
    return claim(request.POST.get(FIELD), user=request.user, scope=scope)


def _out_of_date() -> SubmitRefused:
    return SubmitRefused(
        _(
            "This confirmation page is incomplete or out of date; nothing was changed. Check it "
            "and confirm again."
        )
    )


def _nonce(token: str | None, *, user: Any, scope: str) -> str:
    if not token:
        raise _out_of_date()
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise SubmitRefused(
            _(
                "This confirmation page has expired; nothing was changed. Check it and confirm "
                "again."
            )
        ) from None
    except signing.BadSignature:
        raise _out_of_date() from None
    if data.get("u") != getattr(user, "pk", None) or data.get("s") != scope:
        raise _out_of_date()
    return str(data["n"])


def claim(token: str | None, *, user: Any, scope: str) -> Any:
    """Spend ``token`` (from the POST) for ``scope``; return its ``ConsoleSubmission``.

    Raises :class:`AlreadyApplied` when it was spent before, :class:`SubmitRefused` when it is
    missing, forged, expired or another user's or page's. Commits on its own (a savepoint when
    called inside a transaction), so the claim holds while the action runs.
    """
    ConsoleSubmission = get_model("oscar_backorders", "ConsoleSubmission")
    nonce = _nonce(token, user=user, scope=scope)
    try:
        with transaction.atomic():
            submission = ConsoleSubmission._default_manager.create(
                nonce=nonce, scope=scope, user=user if getattr(user, "pk", None) else None
            )
    except IntegrityError:
        raise AlreadyApplied(ConsoleSubmission._default_manager.get(nonce=nonce)) from None
    # Spent tokens older than a token can live are useless: forget them.
    ConsoleSubmission._default_manager.filter(
        date_created__lt=timezone.now() - 2 * MAX_AGE
    ).delete()
    return submission


def release(submission: Any) -> None:
    """Give back a claimed token whose action was refused and changed nothing."""
    submission.delete()


__all__ = [
    "FIELD",
    "AlreadyApplied",
    "SubmitRefused",
    "claim",
    "claim_post",
    "issue",
    "page_context",
    "release",
]
