"""Remove the plugin's Celery beat schedules and email types before uninstalling it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from oscar_backorders.uninstall import remove_schedules_and_email_types


class Command(BaseCommand):
    help = (
        "Before uninstalling oscar_backorders (after `migrate oscar_backorders zero`): remove "
        "the plugin's django-celery-beat schedules and its email types (CommunicationEventType "
        "rows). Prints what it would remove and changes nothing unless --apply. See "
        "docs/uninstall.md."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--apply",
            action="store_true",
            help="Remove them (without it: a dry run that changes nothing).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = remove_schedules_and_email_types(apply=options["apply"])
        if not result.applied:
            self.stdout.write(_("Dry run: nothing was changed. Run again with --apply to remove."))
        if not result.beat_installed:
            self.stdout.write(_("django-celery-beat is not installed: no schedules to remove."))
        elif result.schedules:
            self.stdout.write(_("Celery beat schedules:"))
            width = max(len(name) for name, _task in result.schedules)
            for name, task in result.schedules:
                self.stdout.write(f"  {name.ljust(width)}  {task}")
        if result.email_types:
            self.stdout.write(_("Email types:"))
            width = max(len(e.code) for e in result.email_types)
            for email_type in result.email_types:
                line = f"  {email_type.code.ljust(width)}  {email_type.name}"
                if not email_type.removed:
                    line += "  " + _(
                        "(kept: %(count)d order communication event(s) point at it)"
                    ) % {"count": email_type.used_by}
                elif email_type.edited:
                    line += "  " + _("(edited in the dashboard: the edits go with it)")
                self.stdout.write(line)
        values = {
            "schedules": len(result.schedules),
            "email_types": sum(1 for e in result.email_types if e.removed),
        }
        if result.applied:
            summary = _("Removed %(schedules)d schedule(s) and %(email_types)d email type(s).")
        else:
            summary = _("Would remove %(schedules)d schedule(s) and %(email_types)d email type(s).")
        self.stdout.write(self.style.SUCCESS(summary % values))
