"""Create the plugin's Celery beat schedules (django-celery-beat) and email types that are missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from oscar_backorders.notifications.beat import SCHEDULES, ensure_schedules
from oscar_backorders.notifications.email_types import install_email_types


class Command(BaseCommand):
    help = (
        "Create the missing periodic tasks of oscar_backorders in django-celery-beat, and its "
        "email types in Oscar's dashboard. Existing schedules are kept as edited in the admin "
        "unless --reset; existing email types are never changed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Put existing schedules back to the defaults."
        )

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        result = ensure_schedules(reset=reset)
        for schedule in SCHEDULES:
            self.stdout.write(f"{schedule.name:45} {schedule.task:70} {result[schedule.name]}")
        created = install_email_types()
        self.stdout.write(f"email types created: {', '.join(created) or 'none missing'}")
