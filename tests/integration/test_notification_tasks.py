"""Each Celery task body, run as Celery runs it (eager here): idempotent under reruns."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.notifications import tasks
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
DelayConsent = get_model("oscar_backorders", "DelayConsent")


@pytest.fixture
def waiting(strategy, today, settings):
    settings.BACKORDERS_NOTICE_BATCH_SECONDS = 300
    product = stocked_product(num_in_stock=0)
    order = place(basket_with(strategy, (product, 2)), guest_email="g@example.com")
    mail.outbox.clear()
    return order.backorder_lines.get()


def run(task):
    return task.apply().get()


def test_line_event_task_sends_once_when_run_twice(waiting, django_capture_on_commit_callbacks):
    services.cancel_units(waiting.pk, 1, reason="out of production")
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert run(tasks.scan_order_events) == 1
        assert run(tasks.scan_order_events) == 0
        assert run(tasks.dispatch_due_notices) == 0  # already sent by the enqueued send_notice
    assert [m.subject for m in mail.outbox] == [f"Order {waiting.order.number}: items cancelled"]


def test_overrun_and_expiry_tasks_act_once(waiting, settings):
    settings.BACKORDERS_OVERRUN_RULE = "strict"
    services.set_estimate(waiting.pk, waiting.promised_date + dt.timedelta(days=3), reason="late")
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        assert run(tasks.scan_overruns) == 1
        assert run(tasks.scan_overruns) == 0
    deadline = DelayConsent.objects.get().deadline
    with time_machine.travel(
        dt.datetime.combine(deadline, dt.time(12), dt.UTC) + dt.timedelta(days=1)
    ):
        assert run(tasks.expire_delay_consents) == 1
        assert run(tasks.expire_delay_consents) == 0
    waiting.refresh_from_db()
    assert waiting.quantity_cancelled == 2


def test_follow_up_compensation_and_digest_tasks_claim_once(waiting, settings):
    settings.BACKORDERS_COMPENSATION_AFTER_DAYS = 14
    settings.MANAGERS = [("Shop", "shop@example.com")]
    with time_machine.travel(NOW + dt.timedelta(days=14), tick=False):
        for task in (tasks.scan_follow_ups, tasks.grant_compensation, tasks.send_merchant_digest):
            assert run(task) == 1, task.name
            assert run(task) == 0, task.name


def test_send_notice_task_reports_status_of_a_missing_notice(db):
    assert run_with_args(tasks.send_notice, 999) == "missing"


def run_with_args(task, *args):
    return task.apply(args=args).get()


def test_notices_command_sends_once_when_run_twice(waiting):
    services.cancel_units(waiting.pk, 1, reason="out of production")
    outputs = []
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        for _run in range(2):
            out = StringIO()
            call_command("backorder_notices", stdout=out)
            outputs.append(out.getvalue())
    assert "line events: 1" in outputs[0] and "sent: 1" in outputs[0]
    assert "line events: 0" in outputs[1] and "sent: 0" in outputs[1]
    assert [m.subject for m in mail.outbox] == [f"Order {waiting.order.number}: items cancelled"]
