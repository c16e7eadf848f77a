"""The shop's own checkout: it takes payment its own way, before and after the plugin.

Every order it places carries a payment source and a payment event of this shop's own, so a test
can see that its ``handle_payment`` ran and nothing took its place.
"""

from oscar.apps.checkout import views
from oscar.core.loading import get_model

from tests.integrator.forked_shop import OWN_PAYMENT_EVENT, OWN_SOURCE_TYPE

Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")


class PaymentDetailsView(views.PaymentDetailsView):
    def handle_payment(self, order_number, total, **kwargs):
        source_type, _ = SourceType._default_manager.get_or_create(name=OWN_SOURCE_TYPE)
        reference = f"terminal-{order_number}"
        self.add_payment_source(
            Source(
                source_type=source_type,
                currency=total.currency,
                amount_allocated=total.incl_tax,
                amount_debited=total.incl_tax,
                reference=reference,
            )
        )
        self.add_payment_event(OWN_PAYMENT_EVENT, total.incl_tax, reference=reference)
