"""Create the plugin's Celery beat schedules (django-celery-beat) that are missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from oscar_backorders.notifications.beat import SCHEDULES, ensure_schedules


class Command(BaseCommand):
    help = (
        "Create the missing periodic tasks of oscar_backorders in django-celery-beat. Existing "
        "ones are kept as edited in the admin unless --reset."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Put existing schedules back to the defaults."
        )

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        result = ensure_schedules(reset=reset)
        for schedule in SCHEDULES:
            self.stdout.write(f"{schedule.name:45} {schedule.task:70} {result[schedule.name]}")
