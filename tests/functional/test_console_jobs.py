"""Queue actions over more lines than BACKORDERS_CONSOLE_TASK_THRESHOLD run as console jobs: a
Celery task (eager in tests) applies them in batches, and a progress page follows it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders import services
from oscar_backorders.console import jobs
from oscar_backorders.console.runners import SPECS
from oscar_backorders.exceptions import BackorderError
from tests.factories import stocked_product
from tests.helpers import basket_with, place, token_in

pytestmark = pytest.mark.django_db

BackorderLine = get_model("oscar_backorders", "BackorderLine")
ConsoleJob = get_model("oscar_backorders", "ConsoleJob")
URL = "admin:oscar_backorders_backorderline_changelist"


@pytest.fixture
def small_batches(settings, monkeypatch):
    """Jobs from 3 lines up, 1 line per batch."""
    settings.BACKORDERS_CONSOLE_TASK_THRESHOLD = 2
    monkeypatch.setattr(jobs, "BATCH_LINES", 1)


@pytest.fixture
def lines(strategy, today):
    """Three orders waiting for 2 units each of one product."""
    product = stocked_product(num_in_stock=0)
    for n in range(3):
        place(basket_with(strategy, (product, 2)), number=f"92000{n}")
    return list(BackorderLine.objects.order_by("pk"))


def staff_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="oscar_backorders",
            codename__in=["view_backorderline", *codenames],
        )
    )
    return user


@pytest.fixture
def merchant(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return SimpleNamespace(client=client, user=user)


def run_action(client, action, lines, capture, **data):
    """Show the confirmation page, confirm it, and run what was queued after commit."""
    selected = [x.pk for x in lines]
    page = client.post(reverse(URL), {"action": action, "_selected_action": selected, "index": 0})
    payload = {"action": action, "_selected_action": selected, "apply": "yes", **data}
    with capture(execute=True):
        response = client.post(reverse(URL), {**payload, **token_in(page)})
    return page, response


def test_action_over_the_threshold_runs_as_a_job_and_its_page_shows_what_it_did(
    merchant, lines, small_batches, django_capture_on_commit_callbacks
):
    page, response = run_action(
        merchant.client,
        "change_priority",
        lines,
        django_capture_on_commit_callbacks,
        priority=7,
        reason="VIP",
    )

    assert "the action runs in the background, in batches of about 1 lines" in (
        page.content.decode()
    )
    job = ConsoleJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:oscar_backorders_consolejob_progress", args=[job.pk]
    )
    assert (job.status, job.done, job.total, job.batches_done) == ("done", 3, 3, 3)
    assert [line.priority for line in BackorderLine.objects.order_by("pk")] == [7, 7, 7]
    assert LogEntry.objects.filter(user=merchant.user).count() == 3
    shown = merchant.client.get(response["Location"]).content.decode()
    assert "Change priority: 3 lines changed." in shown
    assert "oscar_backorders/js/job-progress.js" in shown
    state = merchant.client.get(
        reverse("admin:oscar_backorders_consolejob_status", args=[job.pk])
    ).json()
    assert state == {
        "status": "done",
        "status_display": "Done",
        "done": 3,
        "total": 3,
        "finished": True,
        "message": "Change priority: 3 lines changed.",
        "refusals": [],
    }


@pytest.mark.parametrize("as_job", [False, True], ids=["while-waiting", "as-a-job"])
def test_allocation_as_a_job_applies_the_same_changes_as_while_the_merchant_waits(
    merchant, lines, settings, monkeypatch, django_capture_on_commit_callbacks, as_job
):
    settings.BACKORDERS_CONSOLE_TASK_THRESHOLD = 2 if as_job else 200
    monkeypatch.setattr(jobs, "BATCH_LINES", 1)
    record = lines[0].stockrecord
    type(record).objects.filter(pk=record.pk).update(num_in_stock=3)

    _page, response = run_action(
        merchant.client,
        "allocate_now",
        lines,
        django_capture_on_commit_callbacks,
        reason="Stock counted",
    )

    expected = (
        "Allocate free stock now: allocated 3 units of free stock. 2 lines received stock. "
        "1 line is now ready to ship."
    )
    allocated = [line.quantity_allocated for line in BackorderLine.objects.order_by("pk")]
    assert allocated == [2, 1, 0]
    assert LogEntry.objects.count() == 2
    if as_job:
        job = ConsoleJob.objects.get()
        # One stock record: its lines stay in one batch, whatever the batch size.
        assert job.batches == [[line.pk for line in lines]]
        assert job.message == expected
    else:
        assert not ConsoleJob.objects.exists()
        shown = merchant.client.get(response["Location"])
        assert expected in [str(m) for m in shown.context["messages"]]


def test_a_failing_batch_is_reported_and_the_other_batches_stay_applied(
    merchant, lines, small_batches, monkeypatch, django_capture_on_commit_callbacks
):
    real = services.set_priority

    def set_priority(line_id, priority, **kwargs):
        if line_id == lines[1].pk:
            raise BackorderError("the line is locked by a stocktake")
        if line_id == lines[2].pk:
            raise RuntimeError("database went away")
        return real(line_id, priority, **kwargs)

    monkeypatch.setattr(services, "set_priority", set_priority)

    run_action(
        merchant.client,
        "change_priority",
        lines,
        django_capture_on_commit_callbacks,
        priority=5,
        reason="",
    )

    job = ConsoleJob.objects.get()
    assert (job.status, job.done) == ("done", 3)
    assert job.refusals == [
        "Batch 2 of 3 (1 line) was not applied: the line is locked by a stocktake",
        "Batch 3 of 3 (1 line) was not applied: it failed unexpectedly (RuntimeError); see "
        "the server log.",
    ]
    assert job.message == "Change priority: 1 line changed. 2 refusals, listed below."
    assert [line.priority for line in BackorderLine.objects.order_by("pk")] == [5, 0, 0]
    assert LogEntry.objects.count() == 1


def test_a_job_run_again_after_its_worker_stopped_goes_on_from_the_last_batch_done(
    merchant, lines, small_batches
):
    spec = SPECS["change_priority"]
    job = jobs.start_job(
        spec, lines=lines, form_data={"priority": "4", "reason": ""}, user=merchant.user
    )
    # The worker applied batch 1 and stopped; the broker hands the task out again.
    services.set_priority(lines[0].pk, 9, actor=merchant.user)
    ConsoleJob.objects.filter(pk=job.pk).update(status="running", batches_done=1, done=1)

    jobs.run_job(job.pk)
    jobs.run_job(job.pk)  # and once more: a finished job is left alone

    assert [line.priority for line in BackorderLine.objects.order_by("pk")] == [9, 4, 4]
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 3)


def test_replayed_job_confirmation_starts_no_second_job_and_shows_the_first(
    merchant, lines, small_batches, django_capture_on_commit_callbacks
):
    selected = [x.pk for x in lines]
    page = merchant.client.post(
        reverse(URL), {"action": "change_priority", "_selected_action": selected, "index": 0}
    )
    payload = {
        "action": "change_priority",
        "_selected_action": selected,
        "apply": "yes",
        "priority": 3,
        **token_in(page),
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = merchant.client.post(reverse(URL), payload)
    again = merchant.client.post(reverse(URL), payload)

    assert again["Location"] == first["Location"]
    assert ConsoleJob.objects.count() == 1
    assert LogEntry.objects.count() == 3


@pytest.fixture
def job(lines, small_batches):
    owner = staff_with("change_backorder_priority")
    return jobs.start_job(
        SPECS["change_priority"], lines=lines, form_data={"priority": "1"}, user=owner
    )


@pytest.mark.parametrize("view", ["progress", "status"])
def test_job_pages_are_refused_to_other_staff_and_to_a_starter_who_lost_the_permission(
    client, job, view
):
    url = reverse(f"admin:oscar_backorders_consolejob_{view}", args=[job.pk])
    client.force_login(staff_with("change_backorder_priority"))  # allowed to act, not its job
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 403
    job.user.user_permissions.remove(Permission.objects.get(codename="change_backorder_priority"))
    client.force_login(job.user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("view", ["progress", "status"])
def test_job_pages_answer_their_starter_and_404_for_an_unknown_job(client, job, view):
    client.force_login(job.user)
    url = reverse(f"admin:oscar_backorders_consolejob_{view}", args=[job.pk])
    assert client.get(url).status_code == 200
    missing = reverse(f"admin:oscar_backorders_consolejob_{view}", args=[job.pk + 1000])
    assert client.get(missing).status_code == 404


def test_job_pages_send_non_staff_to_the_admin_login(client, job):
    job.user.is_staff = False
    job.user.save()
    client.force_login(job.user)
    url = reverse("admin:oscar_backorders_consolejob_status", args=[job.pk])
    assert client.get(url).status_code == 302


def test_ship_batches_never_split_an_order():
    spec = SPECS["ship_and_capture"]
    rows = [
        SimpleNamespace(pk=pk, order_id=order)
        for pk, order in [(1, 10), (2, 10), (3, 11), (4, 12), (5, 12)]
    ]
    assert jobs.cut_batches(spec, rows, size=1) == [[1, 2], [3], [4, 5]]
    assert jobs.cut_batches(SPECS["set_estimate"], rows, size=2) == [[1, 2], [3, 4], [5]]


def test_ship_and_capture_as_a_job_captures_each_order_once_and_reports_a_refused_order(
    merchant, strategy, today, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from oscar_backorders.payments.checkout import authorise_order
    from oscar_backorders.payments.gateways import get_gateway

    settings.BACKORDERS_CONSOLE_TASK_THRESHOLD = 1
    monkeypatch.setattr(jobs, "BATCH_LINES", 1)
    product = stocked_product(num_in_stock=0, price=Decimal("15.00"))
    for number in ("930001", "930002", "930003"):
        order = place(basket_with(strategy, (product, 1)), number=number)
        authorise_order(order.pk, payment_token="ok")
    shipped = list(BackorderLine.objects.order_by("pk"))
    record = shipped[0].stockrecord
    type(record).objects.filter(pk=record.pk).update(num_in_stock=3)
    for line in shipped:
        services.allocate_units(line.pk, 1, reason="arrived")
    # A stocktake finds one unit less: the shelf covers two of the three orders.
    type(record).objects.filter(pk=record.pk).update(num_in_stock=2)

    run_action(merchant.client, "ship_and_capture", shipped, django_capture_on_commit_callbacks)

    job = ConsoleJob.objects.get()
    captures = [c.params["amount"] for c in get_gateway().calls if c.method == "capture"]
    assert captures == [Decimal("15.00"), Decimal("15.00")]
    assert [line.quantity_shipped for line in BackorderLine.objects.order_by("pk")] == [1, 1, 0]
    assert job.message == "Ship and capture payment: 2 lines changed. 1 refusal, listed below."
    assert len(job.refusals) == 1 and job.refusals[0].startswith("930003: ")
