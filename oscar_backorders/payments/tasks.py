"""Celery tasks of the payments side: thin, idempotent wrappers around the services.

Schedule them with Celery beat (django-celery-beat), e.g. every 15 minutes for retries and
hourly for renewals; running them twice at once is safe (every record is locked and re-checked).
"""

from __future__ import annotations

from celery import shared_task

from oscar_backorders.payments import lifecycle, release, retries


@shared_task(name="oscar_backorders.payments.refresh_expiring_authorisations")
def refresh_expiring_authorisations() -> int:
    """Re-authorise ahead of capture deadlines (see :mod:`.lifecycle`)."""
    return lifecycle.refresh_expiring_authorisations()


@shared_task(name="oscar_backorders.payments.retry_payments")
def retry_payments() -> dict[str, int]:
    """Retry failed captures whose next attempt is due, and every unfinished release."""
    return {
        "captured": retries.retry_due_captures(),
        "released": release.retry_failed_releases(),
    }
