"""Pay when it ships: authorise at checkout, capture per shipment, release what is cancelled.

Layered so no module imports one above it (``tests/unit/test_payments_imports.py``):

- :mod:`.gateways`: the provider protocol, a test gateway and Stripe.
- :mod:`.amounts`, :mod:`.accounts`: pure money arithmetic; where an order's units stand.
- :mod:`.states`: the authorisation state machine (every status change goes through it).
- :mod:`.ledger`: the append-only ledger, the one writer of money figures.
- :mod:`.authorise`: record an authorisation against an order (Oscar ``Source``, event).
- :mod:`.lifecycle`: renew, replace, lapse, and the customer's confirmation.
- :mod:`.upfront`: capture the in-stock part at checkout.
- :mod:`.preconditions`: what must still hold for a shipment's capture, under its locks.
- :mod:`.capture`: capture a shipment's value, once, and retry failed captures.
- :mod:`.shipping`: :func:`~.shipping.ship`, the one way to ship line quantities.
- :mod:`.release`: release or refund the money of cancelled backordered units.
- :mod:`.checkout`: the ``PaymentDetailsView`` mixin, and ``authorise_order``.
- :mod:`.money`: what the customer is told (``order_money``), from the ledger.
- :mod:`.audit`: do the records agree with the ledger (``check_backorders``)?
"""
