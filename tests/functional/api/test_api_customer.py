"""A customer reads and changes the backordered part of their order over the REST API, with the
web page's rules: their own orders only, guests through Oscar's order-status hash."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_backorders.notifications import links
from tests.factories import stocked_product
from tests.functional.test_customer_cancel import snapshot
from tests.helpers import basket_with, place

pytestmark = pytest.mark.django_db

DelayConsent = get_model("oscar_backorders", "DelayConsent")
NotificationPreference = get_model("oscar_backorders", "NotificationPreference")


@pytest.fixture
def customer(api):
    user = UserFactory(email="ann@example.com")
    api.force_authenticate(user)
    return user


@pytest.fixture
def order(strategy, today, customer):
    """Line of 5: 1 from stock, 4 waiting; a second line all from stock."""
    product = stocked_product(num_in_stock=1)
    plain = stocked_product(num_in_stock=9)
    return place(basket_with(strategy, (product, 5), (plain, 1)), user=customer)


@pytest.fixture
def guest_order(strategy, today):
    order = place(basket_with(strategy, (stocked_product(num_in_stock=0), 3)), number="300003")
    order.guest_email = "guest@example.com"
    order.save()
    return order


def url(name, order, **kwargs):
    return reverse(f"oscar_backorders_api:{name}", kwargs={"order_number": order.number, **kwargs})


def guest_url(name, order, hash_=None, **kwargs):
    kwargs["hash"] = hash_ or order.verification_hash()
    return url(name, order, **kwargs)


def backordered_line(order):
    return order.lines.get(backorder__isnull=False)


def test_customer_reads_the_backordered_part_of_their_order(api, order):
    response = api.get(url("order", order))
    assert response.status_code == 200
    data = response.json()
    main, plain = data["lines"]
    assert (main["quantity"], main["in_stock_quantity"], main["backordered_quantity"]) == (5, 1, 4)
    assert (main["waiting_quantity"], main["status"], main["can_cancel"]) == (4, "waiting", True)
    backorder = backordered_line(order).backorder
    assert main["promised_date"] == backorder.promised_date.isoformat()
    assert main["estimated_date"] == backorder.estimated_date.isoformat()
    assert main["estimate_source"] == "lead_time" and main["pending_delay"] is None
    assert (plain["backordered_quantity"], plain["status"], plain["can_cancel"]) == (0, None, False)
    assert data["money"]["currency"] == order.currency
    assert data["money"]["charged"] == "0.00"


def test_order_read_costs_the_same_queries_whatever_the_number_of_lines(
    api, strategy, today, customer
):
    small = place(basket_with(strategy, (stocked_product(), 2)), number="1", user=customer)
    big = place(
        basket_with(strategy, *[(stocked_product(), 2) for _ in range(8)]),
        number="2",
        user=customer,
    )
    with CaptureQueriesContext(connection) as one:
        assert api.get(url("order", small)).status_code == 200
    with CaptureQueriesContext(connection) as eight:
        assert api.get(url("order", big)).status_code == 200
    assert len(one) == len(eight)


def test_money_shows_what_was_authorised_and_released_when_units_are_cancelled(
    api, mixed_order, run_on_commit
):
    user = UserFactory()
    mixed_order.user = user
    mixed_order.save()
    api.force_authenticate(user)
    main = backordered_line(mixed_order)
    response = run_on_commit(
        api.post, url("cancel", mixed_order, line_id=main.pk), {"quantity": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    # The release is settled after commit: read the order again.
    money = api.get(url("order", mixed_order)).json()["money"]
    assert money["authorised"] == str(mixed_order.total_incl_tax)
    assert (money["released"], money["charged"], money["refunded"]) == ("10.00", "0.00", "0.00")


def test_customer_cancels_waiting_units_of_their_order(api, order):
    line = backordered_line(order)
    response = api.post(url("cancel", order, line_id=line.pk), {"quantity": 3}, format="json")
    assert response.status_code == 200
    main = response.json()["lines"][0]
    assert (main["waiting_quantity"], main["cancelled_quantity"]) == (1, 3)
    event = line.backorder.events.get(kind="cancelled")
    assert event.actor == order.user and event.quantity == 3


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Cancel at least 1 item."),
        ("two", "Enter a whole number of items."),
        (None, "Enter how many waiting items to cancel."),
        (5, "Only 4 items of"),
    ],
)
def test_bad_quantity_is_refused_with_a_field_message_when_cancelling(
    api, order, quantity, message
):
    before = snapshot()
    line = backordered_line(order)
    body = {} if quantity is None else {"quantity": quantity}
    response = api.post(url("cancel", order, line_id=line.pk), body, format="json")
    assert response.status_code == 400
    assert message in response.json()["quantity"][0]
    assert snapshot() == before


def test_nothing_to_cancel_is_a_conflict_when_no_unit_waits(api, order):
    line = backordered_line(order)
    api.post(url("cancel", order, line_id=line.pk), {"quantity": 4}, format="json")
    before = snapshot()
    response = api.post(url("cancel", order, line_id=line.pk), {"quantity": 1}, format="json")
    assert response.status_code == 409 and "nothing to cancel" in response.json()["detail"]
    assert snapshot() == before


def test_someone_elses_order_and_line_are_not_found(api, strategy, today, order):
    other = place(basket_with(strategy, (stocked_product(), 2)), number="999", user=UserFactory())
    before = snapshot()
    assert api.get(url("order", other)).status_code == 404
    other_line = backordered_line(other)
    assert api.post(url("cancel", other, line_id=other_line.pk), {"quantity": 1}).status_code == 404
    # Someone else's line under one's own order number.
    assert api.post(url("cancel", order, line_id=other_line.pk), {"quantity": 1}).status_code == 404
    assert api.post(url("delay-answer", other), {"action": "keep"}).status_code == 404
    assert snapshot() == before


def test_signed_out_visitor_is_refused_when_reading_an_order(api, order):
    api.force_authenticate(None)
    assert api.get(url("order", order)).status_code in (401, 403)


# --- guests -------------------------------------------------------------------------------------


def test_guest_reads_and_cancels_through_the_order_hash_with_its_email(api, guest_order):
    query = "?email=guest@example.com"
    assert api.get(guest_url("anon-order", guest_order) + query).status_code == 200
    line = guest_order.lines.get()
    response = api.post(
        guest_url("anon-cancel", guest_order, line_id=line.pk),
        {"quantity": 2, "email": "guest@example.com"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["lines"][0]["cancelled_quantity"] == 2
    assert line.backorder.events.get(kind="cancelled").actor is None


def test_guest_email_confirmed_on_oscars_status_form_is_enough(api, guest_order):
    api.post(
        reverse(
            "customer:anon-order-form",
            kwargs={"order_number": guest_order.number, "hash": guest_order.verification_hash()},
        ),
        {"email": "guest@example.com"},
    )
    assert api.get(guest_url("anon-order", guest_order)).status_code == 200


@pytest.mark.parametrize("case", ["tampered hash", "wrong email", "no email", "registered order"])
def test_guest_access_is_not_found_when_the_hash_or_email_does_not_match(
    api, guest_order, order, case
):
    target, hash_, email = guest_order, None, "guest@example.com"
    if case == "tampered hash":
        hash_ = guest_order.verification_hash()[:-2] + "xx"
    elif case == "wrong email":
        email = "someone@else.example"
    elif case == "no email":
        email = ""
    else:
        target, email = order, order.email
    api.force_authenticate(None)
    before = snapshot()
    line = backordered_line(target)
    body = {"quantity": 1, "email": email}
    cancel = guest_url("anon-cancel", target, hash_, line_id=line.pk)
    assert api.post(cancel, body, format="json").status_code == 404
    assert api.get(guest_url("anon-order", target, hash_) + f"?email={email}").status_code == 404
    assert snapshot() == before


# --- delay notices ------------------------------------------------------------------------------


def delay(order, *, days=5, deadline=None):
    backorder = backordered_line(order).backorder
    return DelayConsent.objects.create(
        backorder_line=backorder,
        revised_date=backorder.promised_date + dt.timedelta(days=days),
        rule="eu",
        consent_required=deadline is not None,
        deadline=deadline,
    )


def test_customer_keeps_waiting_after_a_delay(api, order):
    consent = delay(order)
    assert api.get(url("order", order)).json()["lines"][0]["pending_delay"]["revised_date"] == (
        consent.revised_date.isoformat()
    )
    response = api.post(url("delay-answer", order), {"action": "keep"}, format="json")
    assert response.status_code == 200
    assert response.json()[0]["decision"] == "keep"
    consent.refresh_from_db()
    assert consent.decision == "keep"
    assert backordered_line(order).backorder.quantity_waiting == 4


def test_customer_cancels_the_waiting_units_after_a_delay(api, order):
    consent = delay(order)
    response = api.post(url("delay-answer", order), {"action": "cancel"}, format="json")
    assert response.status_code == 200
    consent.refresh_from_db()
    assert consent.decision == "cancel"
    assert backordered_line(order).backorder.quantity_cancelled == 4


def test_delay_answer_is_refused_when_nothing_awaits_an_answer(api, order):
    consent = delay(order)
    api.post(url("delay-answer", order), {"action": "keep"}, format="json")
    before = snapshot()
    response = api.post(url("delay-answer", order), {"action": "cancel"}, format="json")
    assert response.status_code == 409
    assert snapshot() == before
    consent.refresh_from_db()
    assert consent.decision == "keep"


def test_delay_answer_is_refused_after_its_deadline(api, order, today):
    delay(order, deadline=today - dt.timedelta(days=1))
    before = snapshot()
    response = api.post(url("delay-answer", order), {"action": "keep"}, format="json")
    assert response.status_code == 410 and "deadline" in response.json()["detail"]
    assert snapshot() == before


def test_unknown_delay_answer_is_refused_with_a_field_message(api, order):
    delay(order)
    before = snapshot()
    response = api.post(url("delay-answer", order), {"action": "later"}, format="json")
    assert response.status_code == 400 and "action" in response.json()
    assert snapshot() == before


def test_delay_link_token_answers_for_a_guest(api, guest_order):
    consent = delay(guest_order)
    token = links.delay_token(order_id=guest_order.pk, consent_ids=[consent.pk])
    body = {"order_number": guest_order.number, "token": token, "action": "cancel"}
    response = api.post(reverse("oscar_backorders_api:delay-link-answer"), body, format="json")
    assert response.status_code == 200
    assert guest_order.lines.get().backorder.quantity_cancelled == 3


def test_tampered_delay_token_is_refused_and_changes_nothing(api, guest_order):
    consent = delay(guest_order)
    token = links.delay_token(order_id=guest_order.pk, consent_ids=[consent.pk])
    before = snapshot()
    body = {"order_number": guest_order.number, "token": token[:-3] + "abc", "action": "cancel"}
    response = api.post(reverse("oscar_backorders_api:delay-link-answer"), body, format="json")
    assert response.status_code == 400 and "not valid" in response.json()["detail"]
    assert snapshot() == before


def test_guest_answers_a_delay_through_the_order_hash(api, guest_order):
    delay(guest_order)
    response = api.post(
        guest_url("anon-delay-answer", guest_order),
        {"action": "keep", "email": "guest@example.com"},
        format="json",
    )
    assert response.status_code == 200


# --- notification preferences -------------------------------------------------------------------


def test_customer_turns_follow_ups_off_and_chooses_a_language(api, customer):
    assert api.get(reverse("oscar_backorders_api:preferences")).json()["follow_ups"] is True
    response = api.patch(
        reverse("oscar_backorders_api:preferences"),
        {"follow_ups": False, "language": "nl"},
        format="json",
    )
    assert response.status_code == 200
    preference = NotificationPreference.objects.get(email="ann@example.com")
    assert (preference.follow_ups, preference.language, preference.user) == (False, "nl", customer)


def test_unknown_language_is_refused_with_a_field_message(api, customer):
    response = api.patch(
        reverse("oscar_backorders_api:preferences"), {"language": "xx"}, format="json"
    )
    assert response.status_code == 400 and "xx" in response.json()["language"][0]
    assert not NotificationPreference.objects.exists()


def test_guest_manages_preferences_through_the_order_hash(api, guest_order):
    response = api.patch(
        guest_url("anon-preferences", guest_order),
        {"follow_ups": False, "email": "guest@example.com"},
        format="json",
    )
    assert response.status_code == 200
    assert NotificationPreference.objects.get(email="guest@example.com").follow_ups is False
    wrong = guest_url("anon-preferences", guest_order) + "?email=x@example.com"
    assert api.get(wrong).status_code == 404


def test_follow_ups_that_are_not_on_or_off_are_refused_with_a_field_message(api, customer):
    response = api.patch(
        reverse("oscar_backorders_api:preferences"), {"follow_ups": "maybe"}, format="json"
    )
    assert response.status_code == 400 and response.json()["follow_ups"]
    assert not NotificationPreference.objects.exists()
