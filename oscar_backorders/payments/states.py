"""The life of a payment authorisation: its states and the only moves between them.

::

    active ──────────────► closed          everything captured or released
      │  ├───────────────► replaced        renewed ahead of its deadline
      │  ├───────────────► expired         the provider let it lapse
      │  └► needs_customer ─► replaced     the customer confirmed payment
      │         ├─────────► expired        its deadline passed unconfirmed
      │         └─────────► closed         everything left was cancelled
      expired ─► replaced | closed
      closed ──► replaced | needs_customer  a provider ended it early; what is owed is renewed
                                           (or, when that fails, confirmed by the customer)

``replaced`` is final. Every status change goes through :func:`move`, which refuses any other
move, so no flow can (say) capture from a replaced authorisation or revive an expired one.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from oscar_backorders.payments.abstract_models import AuthorisationStatus as S
from oscar_backorders.payments.exceptions import PaymentRefused

TRANSITIONS: dict[str, frozenset[str]] = {
    S.ACTIVE: frozenset({S.CLOSED, S.REPLACED, S.EXPIRED, S.NEEDS_CUSTOMER}),
    S.NEEDS_CUSTOMER: frozenset({S.REPLACED, S.EXPIRED, S.CLOSED}),
    S.EXPIRED: frozenset({S.REPLACED, S.CLOSED}),
    S.CLOSED: frozenset({S.REPLACED, S.NEEDS_CUSTOMER}),
    S.REPLACED: frozenset(),
}

#: States in which the provider may still hold money of the authorisation.
MAY_HOLD = frozenset({S.ACTIVE, S.NEEDS_CUSTOMER, S.REPLACED, S.CLOSED})
#: States captures may draw from.
CAPTURABLE = frozenset({S.ACTIVE})


def allowed(current: str, target: str) -> bool:
    return current == target or target in TRANSITIONS.get(current, frozenset())


def move(authorisation: Any, target: str) -> bool:
    """Set a locked authorisation's status to ``target`` (not saved); ``False`` if unchanged.

    Raises :class:`PaymentRefused` for a move the state machine does not have.
    """
    current = authorisation.status
    if current == target:
        return False
    if not allowed(current, target):
        raise PaymentRefused(
            _("A payment authorisation cannot go from %(current)s to %(target)s.")
            % {"current": S(current).label, "target": S(target).label},
            order_id=authorisation.order_id,
        )
    authorisation.status = target
    return True
