"""django-oscar-api's serializers with the plugin's information added, through oscarapi's own
override mechanism. A shop that serves oscarapi opts in with one setting::

    OSCARAPI_OVERRIDE_MODULES = ["oscar_backorders.api.oscarapi"]

(or, with overrides of its own, subclasses these classes in its module). Then:

- product availability (``/api/products/<id>/availability/``) carries ``backorder``: the
  state (``instock``, ``backorder``, ``preorder``, ``outofstock``), the promise date of one more
  unit and its source;
- each basket line carries ``backorder`` (units from stock, units backordered, the promise for
  them and its source), and the basket ``backorder_lines`` with the split of every line;
- an order carries ``backorders`` (per line the backordered quantity, status, checkout promise
  and promise now; the money authorised, charged, released and refunded), each order line its
  ``backorder``;
- the checkout (``/api/checkout/``) refuses an order beyond a cap with a 400 and the web
  checkout's message, writing nothing, and, when the shop opted into the plugin's payments,
  authorises the total from the body's ``payment_token`` as the web checkout does
  (:mod:`.serializers.checkout`).

Fields are only added: nothing oscarapi serves is removed or renamed. A shop that lists
``OSCARAPI_*_FIELDS`` itself keeps its list and adds the new names to it.
"""
