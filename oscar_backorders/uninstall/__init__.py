"""Uninstalling the plugin: give Oscar back its own stock counters, schedules and email types.

While the plugin is installed every ordered unit is allocated on Oscar's ``StockRecord`` (README,
"How stock is counted"): ``num_allocated`` also counts backordered units that wait for stock, and
``net_stock_level`` is negative by that many. Plain Oscar never allocates a unit it does not have.
:func:`release_backorder_allocations` takes exactly those units off the counters, once:

- **Stock record.** The units allocated beyond the shelf (``num_allocated - num_in_stock``) are the
  ones with no stock behind them; all of them wait on backordered lines (``check_backorders``
  reports it otherwise). They are released, and only they: a waiting unit for which stock *is* on
  the shelf (restock allocation has not run for it yet) keeps its allocation, as restock
  allocation would have given it that stock. So the release never makes a unit sellable:
  ``net_stock_level`` rises to at most 0. The released units come from the lines restock
  allocation would serve last (``BACKORDERS_PRIORITY_ORDER``, read backwards).
- **Order line.** Oscar's ``Line.num_allocated`` drops by the same units, and by the line's
  cancelled backordered units: :func:`oscar_backorders.services.cancel_units` gives those back on
  the stock record only, so Oscar's line still counts them, and Oscar's
  ``EventHandler.cancel_stock_allocations`` would give them back a second time. A unit is released
  only while the order line still counts it.

Each run records what it did in :class:`ReleasedAllocation` rows (a later run subtracts them, so
nothing is released twice) and adds an order note to every order whose units it released: the
notes stay in Oscar's dashboard after the plugin's tables are gone.

:func:`remove_schedules_and_email_types` removes the django-celery-beat ``PeriodicTask`` rows and
the ``CommunicationEventType`` rows the plugin created. docs/uninstall.md gives the order of the
steps; both functions only plan unless ``apply=True``.
"""

from oscar_backorders.uninstall.cleanup import (
    EmailTypeRemoval,
    RemovalResult,
    remove_schedules_and_email_types,
)
from oscar_backorders.uninstall.plan import (
    LineRelease,
    LineState,
    Plan,
    ReleaseRefused,
    plan_release,
)
from oscar_backorders.uninstall.release import (
    ReleaseResult,
    StockRelease,
    release_backorder_allocations,
)

__all__ = [
    "EmailTypeRemoval",
    "LineRelease",
    "LineState",
    "Plan",
    "ReleaseRefused",
    "ReleaseResult",
    "RemovalResult",
    "StockRelease",
    "plan_release",
    "release_backorder_allocations",
    "remove_schedules_and_email_types",
]
