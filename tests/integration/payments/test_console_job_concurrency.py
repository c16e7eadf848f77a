"""A console job's task delivered to several workers at once (a duplicated or re-queued
message) runs on one of them: each batch is tried once, each order captured once.

PostgreSQL only (SQLite serialises whole-database writes); threads start together on a barrier,
each with its own connection (tests/integration/test_concurrency.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.console import jobs
from oscar_backorders.console.runners import SPECS
from oscar_backorders.payments.checkout import authorise_order
from tests.factories import stocked_product
from tests.helpers import basket_with, place
from tests.integration.test_concurrency import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BackorderLine = get_model("oscar_backorders", "BackorderLine")
ConsoleJob = get_model("oscar_backorders", "ConsoleJob")

WORKERS = 4


def test_a_ship_and_capture_job_run_by_four_workers_at_once_captures_each_order_once(
    strategy,
    today,
    gateway,
    monkeypatch,
):
    monkeypatch.setattr(jobs, "BATCH_LINES", 1)
    product = stocked_product(num_in_stock=0, price=Decimal("15.00"))
    for number in ("940001", "940002", "940003"):
        order = place(basket_with(strategy, (product, 1)), number=number)
        authorise_order(order.pk, payment_token="ok")
    lines = list(BackorderLine.objects.order_by("pk"))
    record = lines[0].stockrecord
    type(record).objects.filter(pk=record.pk).update(num_in_stock=3)
    for line in lines:
        services.allocate_units(line.pk, 1, reason="arrived")
    # Not run by start_job's own task: the workers below receive it.
    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda *args: None)
    job = jobs.start_job(
        SPECS["ship_and_capture"],
        lines=lines,
        form_data={"reason": "parcel"},
        user=UserFactory(is_staff=True, is_superuser=True),
    )

    attempted = []
    real_attempt = jobs._attempt

    def attempt(spec, job, index):
        attempted.append(index)
        return real_attempt(spec, job, index)

    monkeypatch.setattr(jobs, "_attempt", attempt)

    run_at_once([lambda: jobs.run_job(job.pk) for _ in range(WORKERS)])
    jobs.run_job(job.pk)  # whoever lost the race left nothing to do

    job.refresh_from_db()
    assert sorted(attempted) == [0, 1, 2]  # no batch tried by two workers
    assert (job.status, job.done, job.refusals) == ("done", 3, [])
    assert job.message == "Ship and capture payment: 3 lines changed."
    assert [c.params["amount"] for c in gateway.money_moves("capture")] == [Decimal("15.00")] * 3
    assert [line.quantity_shipped for line in BackorderLine.objects.order_by("pk")] == [1, 1, 1]
