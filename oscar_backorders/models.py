from oscar.core.loading import is_model_registered

from oscar_backorders.abstract_models import (
    AbstractBackorderEvent,
    AbstractBackorderLine,
    AbstractBackorderPolicy,
    AbstractCustomerLock,
    AbstractReleasedAllocation,
)

__all__: list[str] = []

if not is_model_registered("oscar_backorders", "BackorderPolicy"):

    class BackorderPolicy(AbstractBackorderPolicy):
        pass

    __all__.append("BackorderPolicy")

if not is_model_registered("oscar_backorders", "BackorderLine"):

    class BackorderLine(AbstractBackorderLine):
        pass

    __all__.append("BackorderLine")

if not is_model_registered("oscar_backorders", "BackorderEvent"):

    class BackorderEvent(AbstractBackorderEvent):
        pass

    __all__.append("BackorderEvent")

if not is_model_registered("oscar_backorders", "ReleasedAllocation"):

    class ReleasedAllocation(AbstractReleasedAllocation):
        pass

    __all__.append("ReleasedAllocation")

if not is_model_registered("oscar_backorders", "CustomerLock"):

    class CustomerLock(AbstractCustomerLock):
        pass

    __all__.append("CustomerLock")

# --- payments ---
from oscar_backorders.payments.abstract_models import (
    AbstractPaymentAuthorisation,
    AbstractPaymentCapture,
    AbstractPaymentLedgerEntry,
    AbstractPaymentRelease,
)

if not is_model_registered("oscar_backorders", "PaymentAuthorisation"):

    class PaymentAuthorisation(AbstractPaymentAuthorisation):
        pass

    __all__.append("PaymentAuthorisation")

if not is_model_registered("oscar_backorders", "PaymentCapture"):

    class PaymentCapture(AbstractPaymentCapture):
        pass

    __all__.append("PaymentCapture")

if not is_model_registered("oscar_backorders", "PaymentRelease"):

    class PaymentRelease(AbstractPaymentRelease):
        pass

    __all__.append("PaymentRelease")

from oscar_backorders.payments.abstract_events import AbstractProviderEvent

if not is_model_registered("oscar_backorders", "ProviderEvent"):

    class ProviderEvent(AbstractProviderEvent):
        pass

    __all__.append("ProviderEvent")
# --- supply ---
from oscar_backorders.supply.abstract_models import (
    AbstractDemandForecast,
    AbstractPromotion,
    AbstractPurchaseOrder,
    AbstractPurchaseOrderLine,
    AbstractSupplier,
    AbstractSupplierStockRecord,
)

if not is_model_registered("oscar_backorders", "Supplier"):

    class Supplier(AbstractSupplier):
        pass

    __all__.append("Supplier")

if not is_model_registered("oscar_backorders", "SupplierStockRecord"):

    class SupplierStockRecord(AbstractSupplierStockRecord):
        pass

    __all__.append("SupplierStockRecord")

if not is_model_registered("oscar_backorders", "PurchaseOrder"):

    class PurchaseOrder(AbstractPurchaseOrder):
        pass

    __all__.append("PurchaseOrder")

if not is_model_registered("oscar_backorders", "PurchaseOrderLine"):

    class PurchaseOrderLine(AbstractPurchaseOrderLine):
        pass

    __all__.append("PurchaseOrderLine")

if not is_model_registered("oscar_backorders", "Promotion"):

    class Promotion(AbstractPromotion):
        pass

    __all__.append("Promotion")

if not is_model_registered("oscar_backorders", "DemandForecast"):

    class DemandForecast(AbstractDemandForecast):
        pass

    __all__.append("DemandForecast")
# --- Notifications ---
from oscar_backorders.notifications.abstract_models import (
    AbstractBeatLease,
    AbstractDelayConsent,
    AbstractNotice,
    AbstractNoticeEvent,
    AbstractNotificationPreference,
)

if not is_model_registered("oscar_backorders", "Notice"):

    class Notice(AbstractNotice):
        pass

    __all__.append("Notice")

if not is_model_registered("oscar_backorders", "NotificationPreference"):

    class NotificationPreference(AbstractNotificationPreference):
        pass

    __all__.append("NotificationPreference")

if not is_model_registered("oscar_backorders", "DelayConsent"):

    class DelayConsent(AbstractDelayConsent):
        pass

    __all__.append("DelayConsent")

if not is_model_registered("oscar_backorders", "NoticeEvent"):

    class NoticeEvent(AbstractNoticeEvent):
        pass

    __all__.append("NoticeEvent")

if not is_model_registered("oscar_backorders", "BeatLease"):

    class BeatLease(AbstractBeatLease):
        pass

    __all__.append("BeatLease")

if not is_model_registered("oscar_backorders", "PaymentLedgerEntry"):

    class PaymentLedgerEntry(AbstractPaymentLedgerEntry):
        pass

    __all__.append("PaymentLedgerEntry")

# --- console ---
from oscar_backorders.console.abstract_models import (
    AbstractConsoleJob,
    AbstractConsoleSubmission,
)

if not is_model_registered("oscar_backorders", "ConsoleJob"):

    class ConsoleJob(AbstractConsoleJob):
        pass

    __all__.append("ConsoleJob")

if not is_model_registered("oscar_backorders", "ConsoleSubmission"):

    class ConsoleSubmission(AbstractConsoleSubmission):
        pass

    __all__.append("ConsoleSubmission")
