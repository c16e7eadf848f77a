"""A shop built from Oscar's docs that forked ``partner``, ``order`` and ``checkout`` (its own
``PaymentDetailsView.handle_payment``), with the plugin installed as README says for such a shop."""

#: What the shop's own ``handle_payment`` writes on every order (``checkout/views.py``).
OWN_SOURCE_TYPE = "The shop's own card terminal"
OWN_PAYMENT_EVENT = "Paid at the shop's own terminal"
