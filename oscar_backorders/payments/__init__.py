"""Pay when it ships: authorise at checkout, capture per shipment, release what is cancelled.

- :mod:`.gateways`: the provider protocol, a test gateway and Stripe.
- :mod:`.checkout`: the ``PaymentDetailsView`` mixin that authorises the order total.
- :mod:`.authorise`: record an authorisation against an order (Oscar ``Source``, event).
- :mod:`.shipping`: :func:`~.shipping.ship`, the one way to ship line quantities.
- :mod:`.capture`: capture a shipment's value, once, and retry failed captures.
- :mod:`.release`: release or refund the money of cancelled backordered units.
- :mod:`.lifecycle`: re-authorise ahead of the capture deadline.
"""
