"""The sandbox's Site is the host it serves, so Oscar's emails and the plugin's link to one place."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command

from oscar_backorders.notifications import scans
from oscar_backorders.notifications.tasks import dispatch_due_notices
from tests.factories import stocked_product
from tests.functional.checkout import add_to_basket, place_order, to_preview

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:8123"


def hosts(text: str) -> set[str]:
    """Hosts of the links in a text body, or of the ``href``s of an HTML one (not its doctype's
    and schema's namespaces)."""
    pattern = r"href=\"https?://([^/\"]+)" if "<html" in text else r"https?://([^/\s]+)"
    return set(re.findall(pattern, text))


def test_oscars_confirmation_and_the_plugins_emails_link_to_the_sandbox_host_after_setup(
    client, today, settings, mailoutbox
):
    settings.SANDBOX_HOST = HOST
    settings.BACKORDERS_LINK_HOST = None  # as the sandbox: the plugin's links follow the Site
    assert Site.objects.get_current().domain == "example.com"  # what migrate leaves
    call_command("sandbox_site")

    add_to_basket(client, stocked_product(num_in_stock=0, lead_time_days=10), 2)
    to_preview(client, guest_email="guest@example.com")
    place_order(client)
    (confirmation,) = mailoutbox
    # Two weeks on the items still wait: the plugin's follow-up (order link, unsubscribe link).
    with time_machine.travel(dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC), tick=False):
        scans.scan_follow_ups()
        dispatch_due_notices()
    follow_up = next(
        m for m in mailoutbox[1:] if "/backorders/notifications/unsubscribe/" in m.body
    )

    assert f"http://{HOST}/accounts/order-status/" in confirmation.body
    assert "The Backorder sandbox team" in confirmation.alternatives[0][0]
    for message in (confirmation, follow_up):
        for body in (message.body, message.alternatives[0][0]):
            assert hosts(body) == {HOST}, hosts(body)
    assert "example.com/" not in confirmation.body + follow_up.body


def test_sandbox_site_refuses_a_url_for_a_host_and_changes_nothing(settings):
    settings.SANDBOX_HOST = "http://127.0.0.1:8000/"
    with pytest.raises(CommandError, match="is not a host"):
        call_command("sandbox_site")
    assert Site.objects.get_current().domain == "example.com"
