import pytest
from django.core import checks

from oscar_backorders.payments import checks as payment_checks
from oscar_backorders.payments.checks import check_payments
from oscar_backorders.payments.gateways import reset_gateway_cache


@pytest.fixture(autouse=True)
def _fresh_gateway():
    reset_gateway_cache()
    yield
    reset_gateway_cache()


def ids(messages):
    return [message.id for message in messages]


def test_test_gateway_with_debug_off_is_an_error_outside_tests(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setattr(payment_checks, "_under_test_runner", lambda: False)
    [message] = check_payments()
    assert message.id == "oscar_backorders.E121"
    assert message.level == checks.ERROR
    assert "BACKORDERS_PAYMENT_GATEWAY" in message.hint


def test_test_gateway_is_fine_for_a_shops_own_tests_and_in_development(settings):
    settings.DEBUG = False  # a test runner turns DEBUG off; the test gateway is for tests
    assert check_payments() == []
    settings.DEBUG = True
    assert check_payments() == []


def test_nothing_is_checked_when_the_shop_did_not_opt_into_pay_when_it_ships(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = None
    settings.DEBUG = False
    assert check_payments() == []


def test_unimportable_gateway_is_an_error_naming_the_setting(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = "nowhere.Gateway"
    [message] = check_payments()
    assert message.id == "oscar_backorders.E101"
    assert message.level == checks.ERROR
    assert "BACKORDERS_PAYMENT_GATEWAY" in message.msg


STRIPE = "oscar_backorders.payments.gateways.stripe.StripeGateway"


def test_stripe_without_a_webhook_secret_is_a_warning_naming_the_setting(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = STRIPE
    settings.BACKORDERS_STRIPE_SECRET_KEY = "sk_test_not_used"
    settings.BACKORDERS_STRIPE_WEBHOOK_SECRET = ""
    [message] = [m for m in check_payments() if m.id == "oscar_backorders.W103"]
    assert message.level == checks.WARNING
    assert "BACKORDERS_STRIPE_WEBHOOK_SECRET" in message.msg + message.hint


def test_stripe_with_a_webhook_secret_has_no_webhook_warning(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = STRIPE
    settings.BACKORDERS_STRIPE_SECRET_KEY = "sk_test_not_used"
    settings.BACKORDERS_STRIPE_WEBHOOK_SECRET = "whsec_abc"
    assert "oscar_backorders.W103" not in ids(check_payments())


def test_stripe_without_a_publishable_key_warns_that_no_card_form_is_shown(settings):
    pytest.importorskip("stripe")
    settings.BACKORDERS_PAYMENT_GATEWAY = STRIPE
    settings.BACKORDERS_STRIPE_SECRET_KEY = "sk_test_checks"
    settings.BACKORDERS_STRIPE_PUBLISHABLE_KEY = ""
    settings.BACKORDERS_STRIPE_WEBHOOK_SECRET = "whsec_checks"
    [message] = check_payments()
    assert (message.id, message.level) == ("oscar_backorders.W104", checks.WARNING)
    assert "BACKORDERS_STRIPE_PUBLISHABLE_KEY" in message.msg
    settings.BACKORDERS_STRIPE_PUBLISHABLE_KEY = "pk_test_checks"
    reset_gateway_cache()
    assert check_payments() == []
