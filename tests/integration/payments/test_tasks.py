import datetime as dt

import pytest
import time_machine

from oscar_backorders.payments import tasks
from oscar_backorders.payments.shipping import ship
from tests.payments_support import lines_of

pytestmark = pytest.mark.django_db


def test_retry_task_captures_a_held_shipment_once_its_attempt_is_due(
    mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "timeout")
    run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    assert run_on_commit(tasks.retry_payments.delay).get() == {"captured": 0, "released": 0}
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 6, tzinfo=dt.UTC), tick=False):
        assert run_on_commit(tasks.retry_payments.delay).get() == {"captured": 1, "released": 0}


def test_refresh_task_renews_authorisations_near_their_deadline(
    mixed_order, gateway, run_on_commit
):
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC), tick=False):
        assert run_on_commit(tasks.refresh_expiring_authorisations.delay).get() == 1
