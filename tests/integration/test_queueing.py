"""Services hand work to Celery by task name, after commit (``oscar_backorders.queueing``): the
registered task runs (eagerly here), an unknown one goes to the broker by name, and a broker that
fails never fails the request that wrote the rows."""

from __future__ import annotations

import pytest
from celery import current_app
from django.core import mail
from oscar.test.factories import UserFactory

from oscar_backorders.notifications import dispatch
from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus
from oscar_backorders.queueing import enqueue_after_commit
from tests.factories import stocked_product
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(strategy, today):
    customer = UserFactory(email="ada@example.com")
    product = stocked_product(num_in_stock=0, lead_time_days=10)
    order = place(basket_with(strategy, (product, 1), owner=customer), user=customer)
    mail.outbox.clear()
    return dispatch.claim(
        scope=f"order:{order.pk}",
        kind=NoticeKind.FOLLOW_UP,
        version="1",
        order=order,
        recipient="ada@example.com",
    )


@pytest.fixture
def sent_by_name(monkeypatch):
    """What the Celery app sends to the broker by name: ``(name, args)``."""
    sent: list[tuple[str, tuple]] = []
    app = current_app._get_current_object()
    monkeypatch.setattr(
        app, "send_task", lambda name, args=None, kwargs=None, **options: sent.append((name, args))
    )
    return sent


def test_notice_is_sent_only_after_commit_when_enqueued(notice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dispatch.enqueue([notice.pk])
        assert mail.outbox == []  # not before the transaction commits
    assert len(callbacks) == 1
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert len(mail.outbox) == 1


def test_nothing_is_registered_when_no_notice_is_enqueued(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        dispatch.enqueue([])
    assert callbacks == []


def test_task_is_sent_to_the_broker_by_name_when_this_process_does_not_know_it(
    sent_by_name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit("oscar_backorders.elsewhere.tasks.run", [(1,), (2,)])
    assert sent_by_name == [
        ("oscar_backorders.elsewhere.tasks.run", (1,)),
        ("oscar_backorders.elsewhere.tasks.run", (2,)),
    ]


def test_request_is_not_failed_when_the_broker_cannot_be_reached(
    notice, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(name, args=None, kwargs=None, **options):
        raise OSError("Connection refused")

    monkeypatch.setattr(current_app._get_current_object(), "send_task", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit("oscar_backorders.elsewhere.tasks.run", [(notice.pk,)])
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PENDING  # the sweep sends it
