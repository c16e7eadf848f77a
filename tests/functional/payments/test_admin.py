"""The merchant sees a held shipment in the admin and retries it."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.payments.shipping import ship
from tests.helpers import staff_with
from tests.payments_support import lines_of

pytestmark = pytest.mark.django_db

PaymentCapture = get_model("oscar_backorders", "PaymentCapture")


@pytest.fixture
def merchant(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_held_shipment_is_listed_and_the_retry_action_captures_it(
    merchant, mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "decline")
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    url = reverse("admin:oscar_backorders_paymentcapture_changelist")

    listing = merchant.get(url + "?status__exact=failed")
    assert listing.status_code == 200
    assert "The card was declined." in listing.content.decode()

    response = run_on_commit(
        merchant.post,
        url,
        {"action": "retry_now", "_selected_action": [held.capture_id]},
        follow=True,
    )
    assert "1 shipment captured." in response.content.decode()
    assert PaymentCapture.objects.get(pk=held.capture_id).status == "captured"


def test_authorisation_page_shows_its_captures(merchant, mixed_order, gateway, run_on_commit):
    _main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    authorisation = mixed_order.backorder_authorisations.get()
    response = merchant.get(
        reverse("admin:oscar_backorders_paymentauthorisation_change", args=[authorisation.pk])
    )
    assert response.status_code == 200
    assert "4.50" in response.content.decode()


def test_authorisation_page_shows_its_money_movements_from_the_ledger(
    merchant, mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    authorisation = mixed_order.backorder_authorisations.get()
    response = merchant.get(
        reverse("admin:oscar_backorders_paymentauthorisation_change", args=[authorisation.pk])
    )
    page = response.content.decode()
    assert "Payment ledger" in page
    captured = authorisation.ledger.get(kind="captured")
    assert captured.idempotency_key in page
    assert "54.50" in page  # the authorised entry


@pytest.mark.parametrize("action", ["retry_now", "abandon"])
def test_staff_who_may_only_view_captures_cannot_retry_or_abandon_them(
    client, mixed_order, gateway, run_on_commit, action
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "decline")
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    viewer = staff_with(client, "view_paymentcapture")
    url = reverse("admin:oscar_backorders_paymentcapture_changelist")
    listing = viewer.get(url)
    assert listing.status_code == 200
    assert f'value="{action}"' not in listing.content.decode()  # not offered
    response = run_on_commit(
        viewer.post, url, {"action": action, "_selected_action": [held.capture_id]}
    )
    assert response.status_code == 403
    assert PaymentCapture.objects.get(pk=held.capture_id).status == "failed"  # nothing moved
    assert len(gateway.money_moves("capture")) == 0


def test_staff_with_the_retry_permission_retry_a_held_capture(
    client, mixed_order, gateway, run_on_commit
):
    _main, plain = lines_of(mixed_order)
    gateway.fail_next("capture", "decline")
    held = run_on_commit(ship, mixed_order.pk, {plain.pk: 1})
    cashier = staff_with(client, "view_paymentcapture", "retry_payment_capture")
    url = reverse("admin:oscar_backorders_paymentcapture_changelist")
    assert 'value="retry_now"' in cashier.get(url).content.decode()
    assert 'value="abandon"' not in cashier.get(url).content.decode()
    run_on_commit(cashier.post, url, {"action": "retry_now", "_selected_action": [held.capture_id]})
    assert PaymentCapture.objects.get(pk=held.capture_id).status == "captured"
