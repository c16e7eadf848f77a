"""Signed links in emails: delay answers and unsubscribing from follow-ups.

Tokens are Django ``signing`` payloads with a salt per purpose, so a token made for one purpose
never passes for another, and a maximum age (``BACKORDERS_LINK_MAX_AGE_DAYS``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sites.models import Site
from django.core import signing
from django.urls import reverse

from oscar_backorders.app_settings import backorder_settings

DELAY_SALT = "oscar_backorders.notifications.delay"
UNSUBSCRIBE_SALT = "oscar_backorders.notifications.unsubscribe"


def _max_age() -> int:
    return int(backorder_settings.LINK_MAX_AGE_DAYS) * 86400


def delay_token(*, order_id: int, consent_ids: list[int]) -> str:
    return signing.dumps({"o": order_id, "c": sorted(consent_ids)}, salt=DELAY_SALT, compress=True)


def read_delay_token(token: str) -> dict[str, Any]:
    """The payload of a delay token; raises ``signing.BadSignature`` (or ``SignatureExpired``)."""
    data = signing.loads(token, salt=DELAY_SALT, max_age=_max_age())
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        raise signing.BadSignature("malformed delay token")
    if not isinstance(data.get("c"), list) or not all(isinstance(i, int) for i in data["c"]):
        raise signing.BadSignature("malformed delay token")
    return data


def unsubscribe_token(preference_id: int) -> str:
    """A token naming the customer's preference row (not their address, which URLs would log)."""
    return signing.dumps({"p": preference_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> int:
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=_max_age())
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise signing.BadSignature("malformed unsubscribe token")
    return data["p"]


def absolute(path: str) -> str:
    domain = backorder_settings.LINK_HOST or Site.objects.get_current().domain
    return f"{backorder_settings.LINK_SCHEME}://{domain}{path}"


def delay_urls(*, order_number: str, token: str) -> dict[str, str]:
    return {
        action: absolute(
            reverse(
                "oscar_backorders:delay-answer",
                kwargs={"order_number": order_number, "action": action, "token": token},
            )
        )
        for action in ("keep", "cancel")
    }


def unsubscribe_url(preference_id: int) -> str:
    return absolute(
        reverse("oscar_backorders:unsubscribe", kwargs={"token": unsubscribe_token(preference_id)})
    )
