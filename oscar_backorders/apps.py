from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarConfig


class BackordersConfig(OscarConfig):
    label = "oscar_backorders"
    name = "oscar_backorders"
    verbose_name = _("Backorders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oscar_backorders import checks, receivers  # noqa: F401
        from oscar_backorders.payments import checks as payment_checks  # noqa: F401
        from oscar_backorders.payments import receivers as payment_receivers  # noqa: F401
        from oscar_backorders.supply import receivers as supply_receivers

        supply_receivers.connect()

        # Every Celery task (notifications, payments, supply), registered on import: a worker
        # that sets Django up knows every task beat schedules, autodiscovery or not.
        from oscar_backorders import tasks  # noqa: F401
        from oscar_backorders.notifications import receivers as _notify  # noqa: F401
