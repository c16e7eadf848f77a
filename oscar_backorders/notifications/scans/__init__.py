"""Find what is due in the database and claim it: one plain function per kind of notice.

The Celery tasks in :mod:`~oscar_backorders.notifications.tasks` call these; so do the
``backorder_notices`` management command and tests. Each reads in chunks
(``BACKORDERS_NOTICE_CHUNK_SIZE``), claims through
:func:`~oscar_backorders.notifications.dispatch.claim` (so running a scan twice, or on two
workers at once, claims nothing twice) and returns the ids of the notices it claimed. None of
them sends mail or enqueues a task; :func:`~oscar_backorders.notifications.dispatch.send_notice`
sends, and the task that ran the scan enqueues what it claimed.

One module per thing scanned; import the functions from here:

- :mod:`.order_events`: line events told per order, and the confirm-payment request;
- :mod:`.follow_ups`: the periodic status follow-ups;
- :mod:`.delays`: overrun promises (delay notices) and expired delay consents;
- :mod:`.compensation`: compensation vouchers after a long wait;
- :mod:`.digest`: the merchant's daily digest;
- :mod:`.common`: what they share (chunked reads, the orders' customers, claiming for an order).
"""

from oscar_backorders.notifications.scans.compensation import grant_compensation
from oscar_backorders.notifications.scans.delays import expire_delay_consents, scan_overruns
from oscar_backorders.notifications.scans.digest import claim_merchant_digest, merchant_recipients
from oscar_backorders.notifications.scans.follow_ups import scan_follow_ups
from oscar_backorders.notifications.scans.order_events import (
    EVENT_NOTICES,
    claim_confirm_payment,
    scan_order_events,
)

__all__ = [
    "EVENT_NOTICES",
    "claim_confirm_payment",
    "claim_merchant_digest",
    "expire_delay_consents",
    "grant_compensation",
    "merchant_recipients",
    "scan_follow_ups",
    "scan_order_events",
    "scan_overruns",
]
