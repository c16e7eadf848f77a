import pytest
from django.core import checks

from oscar_backorders.payments.checks import check_payments
from oscar_backorders.payments.gateways import reset_gateway_cache


@pytest.fixture(autouse=True)
def _fresh_gateway():
    reset_gateway_cache()
    yield
    reset_gateway_cache()


def ids(messages):
    return [message.id for message in messages]


def test_test_gateway_in_production_is_warned_about(settings):
    settings.DEBUG = False
    assert ids(check_payments()) == ["oscar_backorders.W101"]


def test_test_gateway_in_development_is_fine(settings):
    settings.DEBUG = True
    assert check_payments() == []


def test_unimportable_gateway_is_an_error_naming_the_setting(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = "nowhere.Gateway"
    [message] = check_payments()
    assert message.id == "oscar_backorders.E101"
    assert message.level == checks.ERROR
    assert "BACKORDERS_PAYMENT_GATEWAY" in message.msg
