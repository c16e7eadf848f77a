"""Pay-when-it-ships is opt-in: without a gateway the shop's checkout is left exactly as it is,
and a shop with its own ``handle_payment`` is never silently overridden."""

from django.core import checks
from oscar.apps.checkout.views import PaymentDetailsView as OscarPaymentDetailsView

from oscar_backorders import loading
from oscar_backorders.payments.checkout import AuthoriseAtCheckoutMixin
from oscar_backorders.payments.checks import check_payments

DUMMY = "oscar_backorders.payments.gateways.dummy.DummyGateway"


class ShopPaymentDetailsView(OscarPaymentDetailsView):
    """A shop's forked view that takes payment its own way."""

    def handle_payment(self, order_number, total, **kwargs):
        raise AssertionError("not called here")


def _load_with_delegate(view):
    """What the plugin's loader returns for PaymentDetailsView when the shop's loader gives ``view``."""
    original = loading._delegate
    loading._delegate = lambda: lambda label, names, prefix: [view for _ in names]
    try:
        [loaded] = loading.class_loader("checkout.views", ["PaymentDetailsView"], "oscar.apps")
    finally:
        loading._delegate = original
    return loaded


def test_loader_leaves_the_checkout_alone_when_no_gateway_is_set(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = None
    assert _load_with_delegate(OscarPaymentDetailsView) is OscarPaymentDetailsView


def test_loader_composes_authorisation_when_the_shop_opts_in(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = DUMMY
    loaded = _load_with_delegate(OscarPaymentDetailsView)
    assert issubclass(loaded, AuthoriseAtCheckoutMixin)
    assert loaded.__mro__[1:].count(OscarPaymentDetailsView) == 1


def test_loader_never_overrides_a_shops_own_handle_payment_even_when_opted_in(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = DUMMY
    assert _load_with_delegate(ShopPaymentDetailsView) is ShopPaymentDetailsView


def test_opted_in_shop_with_its_own_handle_payment_is_told_how_to_compose(settings, monkeypatch):
    settings.BACKORDERS_PAYMENT_GATEWAY = DUMMY
    monkeypatch.setattr(
        "oscar.core.loading.get_class",
        lambda label, name, *a, **k: ShopPaymentDetailsView,
    )
    messages = check_payments()
    [error] = [m for m in messages if m.id == "oscar_backorders.E120"]
    assert error.level == checks.ERROR
    assert "ShopPaymentDetailsView" in error.msg
    assert "AuthoriseAtCheckoutMixin" in error.hint


def test_a_fork_composing_the_mixin_without_a_gateway_is_an_error(settings, monkeypatch):
    settings.BACKORDERS_PAYMENT_GATEWAY = None

    class ForkedView(AuthoriseAtCheckoutMixin, OscarPaymentDetailsView):
        pass

    monkeypatch.setattr("oscar.core.loading.get_class", lambda label, name, *a, **k: ForkedView)
    [error] = check_payments()
    assert error.id == "oscar_backorders.E122"
    assert "BACKORDERS_PAYMENT_GATEWAY" in error.msg


def test_opted_in_shop_is_warned_when_oscarapis_checkout_does_not_authorise(settings):
    settings.BACKORDERS_PAYMENT_GATEWAY = DUMMY
    settings.OSCARAPI_OVERRIDE_MODULES = []
    [warning] = [m for m in check_payments() if m.id == "oscar_backorders.W105"]
    assert "oscarapi.serializers.checkout.CheckoutSerializer" in warning.msg
    assert "OSCARAPI_OVERRIDE_MODULES" in warning.hint

    settings.OSCARAPI_OVERRIDE_MODULES = ["oscar_backorders.api.oscarapi"]
    assert not [m for m in check_payments() if m.id == "oscar_backorders.W105"]
