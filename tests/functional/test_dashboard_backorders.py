"""Oscar's dashboard: a "Backorders" menu link and a backorders panel on its index, for staff who
may view the queue; the shop's menu setting is extended by its own one line, never mutated."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION as OSCARS_MENU
from oscar.test.factories import UserFactory

from oscar_backorders.navigation import QUEUE_URL_NAME, with_backorders_menu
from tests.bulk import bulk_backorder_lines

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
PaymentAuthorisation = get_model("oscar_backorders", "PaymentAuthorisation")
PaymentCapture = get_model("oscar_backorders", "PaymentCapture")
INDEX = "dashboard:index"


def staff(client, *codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="oscar_backorders", codename__in=codenames
        )
    )
    client.force_login(user)
    return client


def index(client):
    response = client.get(reverse(INDEX))
    assert response.status_code == 200
    return response.content.decode()


def test_dashboard_menu_links_the_queue_when_staff_may_view_it(client, today):
    page = index(staff(client, "view_backorderline"))
    assert f'href="{reverse(QUEUE_URL_NAME)}"' in page
    assert 'id="backorders-panel"' in page


def test_dashboard_shows_no_queue_link_nor_panel_when_staff_may_not_view_the_queue(client, today):
    page = index(staff(client))
    assert reverse(QUEUE_URL_NAME) not in page
    assert 'id="backorders-panel"' not in page


def test_menu_helper_returns_a_copy_with_one_entry_beside_oscars_orders_when_applied(settings):
    before = repr(OSCARS_MENU)
    menu = with_backorders_menu(OSCARS_MENU)
    assert repr(OSCARS_MENU) == before  # Oscar's (and a shop's) setting is not mutated
    fulfilment = next(
        item
        for item in menu
        if any(c.get("url_name") == "dashboard:order-list" for c in item.get("children", []))
    )
    names = [child.get("url_name") for child in fulfilment["children"]]
    assert names[names.index("dashboard:order-list") + 1] == QUEUE_URL_NAME
    again = with_backorders_menu(menu)
    assert (
        sum(c.get("url_name") == QUEUE_URL_NAME for i in again for c in i.get("children", [])) == 1
    )
    own = with_backorders_menu([{"label": "Home", "url_name": "dashboard:index"}])
    assert [item.get("url_name") for item in own] == ["dashboard:index", QUEUE_URL_NAME]


def test_the_menu_helper_imports_no_django_models_when_settings_import_it():
    code = (
        "import sys; import oscar_backorders.navigation; "
        "print(sorted(m for m in sys.modules if m.startswith(('django.db', 'oscar.'))))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def held_capture(order_id, n):
    authorisation = PaymentAuthorisation.objects.create(
        order_id=order_id,
        gateway="dummy",
        reference=f"auth-{order_id}",
        currency="GBP",
        amount=Decimal("24.00"),
        status="active",
        expires_at=timezone.now(),
    )
    PaymentCapture.objects.create(
        order_id=order_id,
        authorisation=authorisation,
        sequence=1,
        idempotency_key=f"key-{n}",
        amount=Decimal("12.00"),
        currency="GBP",
        line_quantities={},
        status="failed",
    )


def panel_numbers(page):
    def cell(name):
        return int(page.split(f'id="backorders-{name}">')[1].split("<")[0])

    return {name: cell(name) for name in ("waiting", "ready", "at-risk", "held")}


def test_dashboard_panel_counts_waiting_units_lines_at_risk_and_held_captures(client, today):
    bulk_backorder_lines(10)
    open_lines = BackorderLine.objects.filter(status__in=("waiting", "allocated"))
    waiting = sum(line.quantity_waiting for line in open_lines)
    ready = sum(line.quantity_allocated for line in open_lines)
    BackorderLine.objects.filter(order__number__in=["500000", "500001"]).update(miss_risk=0.4)
    BackorderLine.objects.filter(order__number="500003").update(miss_risk=0.9)  # shipped
    for n, order_id in enumerate(BackorderLine.objects.values_list("order_id", flat=True)[:3]):
        held_capture(order_id, n)
    page = index(staff(client, "view_backorderline", "view_paymentcapture"))
    assert panel_numbers(page) == {"waiting": waiting, "ready": ready, "at-risk": 2, "held": 3}
    assert waiting > 0 and ready > 0
    assert "?status__exact=failed" in page  # may view captures: the count links to them


def test_dashboard_index_costs_the_same_queries_when_lines_grow_from_10_to_200(client, today):
    merchant = staff(client, "view_backorderline")
    bulk_backorder_lines(10, number_start=100)
    with CaptureQueriesContext(connection) as few:
        index(merchant)
    bulk_backorder_lines(190, number_start=200000)
    with CaptureQueriesContext(connection) as many:
        page = index(merchant)
    assert len(few.captured_queries) == len(many.captured_queries)
    ours = [q["sql"] for q in many.captured_queries if '"oscar_backorders_' in q["sql"]]
    assert len(ours) == 2, ours  # the open lines' aggregate and the held captures' count
    assert panel_numbers(page)["waiting"] > 0
