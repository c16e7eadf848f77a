"""Point the sandbox's ``Site`` at the host the sandbox serves.

Oscar's emails link to ``Site.domain`` and sign with ``Site.name``; the plugin's links default to
the same ``Site`` (``BACKORDERS_LINK_HOST`` unset). A fresh database has Django's
``example.com``: ``make sandbox-setup`` and ``sandbox/run.py`` run this command so every email
links to where the sandbox actually runs (``SANDBOX_HOST``, default ``127.0.0.1:8000``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError, CommandParser

from oscar_backorders.setting_rules import Host


class Command(BaseCommand):
    help = (
        "Set the sandbox's Site to the host it serves (SANDBOX_HOST, or --host) and the shop's "
        "name, so Oscar's emails and the plugin's link to the same host."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", help="host and port the sandbox serves (default: settings.SANDBOX_HOST)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = options.get("host") or getattr(settings, "SANDBOX_HOST", "")
        if not host:
            raise CommandError(
                "sandbox_site needs the host the sandbox serves: set SANDBOX_HOST in the "
                'settings (the sandbox reads it from the environment) or pass --host "127.0.0.1:8000".'
            )
        problem = Host(check_id="").problem(host)
        if problem:
            raise CommandError(f"sandbox_site: {host!r} is not a host: {problem}. Nothing changed.")
        name = getattr(settings, "OSCAR_SHOP_NAME", "") or host
        site, _created = Site.objects.update_or_create(
            pk=settings.SITE_ID, defaults={"domain": host, "name": name}
        )
        Site.objects.clear_cache()
        self.stdout.write(f"Site {site.pk}: {site.domain} ({site.name})")
