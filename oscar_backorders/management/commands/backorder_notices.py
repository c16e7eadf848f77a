"""Run the notification scans and send what is due, now (what beat does on its schedules)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from oscar_backorders.app_settings import backorder_settings
from oscar_backorders.notifications import dispatch, scans


class Command(BaseCommand):
    help = (
        "Find every backorder notice that is due (line events, delays, expired consents, "
        "follow-ups, compensation, the merchant digest), claim it once and send it. Safe to run "
        "at any time, also while Celery beat runs: nothing is sent twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        steps = [
            ("line events", scans.scan_order_events),
            ("delays", scans.scan_overruns),
            ("expired delay consents", scans.expire_delay_consents),
            ("follow-ups", scans.scan_follow_ups),
            ("compensation", scans.grant_compensation),
        ]
        for label, step in steps:
            self.stdout.write(f"{label}: {len(step())}")
        digest = scans.claim_merchant_digest()
        self.stdout.write(f"merchant digest: {1 if digest else 0}")
        sent = dispatch.send_due(chunk_size=backorder_settings.NOTICE_CHUNK_SIZE)
        self.stdout.write(f"sent: {sent}")
