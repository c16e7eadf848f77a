"""The merchant's supply endpoints: purchase orders (list, create, CSV import), a supplier's
confirmed arrival date for a line, and receiving a line.

Staff only, with the admin's permissions: ``view_purchaseorder`` to read,
``add_purchaseorder`` and ``add_purchaseorderline`` to create or import,
``change_purchaseorderline`` to confirm or withdraw a date and to cancel what a line still
expects, and to receive also ``allocate_backorder_stock`` (received units are allocated to
waiting lines). Every change calls the supply services (:mod:`oscar_backorders.supply.imports`,
``.confirmations``, ``.receiving``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.shortcuts import get_object_or_404
from oscar.core.loading import get_model
from rest_framework import status
from rest_framework.response import Response

from oscar_backorders.api import supply_serializers as ss
from oscar_backorders.api.base import BackorderAPIView, HasBackorderPermissions
from oscar_backorders.exceptions import BackorderError
from oscar_backorders.supply.confirmations import confirm_arrival, withdraw_confirmation
from oscar_backorders.supply.imports import COLUMNS, import_purchase_orders
from oscar_backorders.supply.receiving import cancel_line, receive_line

try:
    from drf_spectacular.utils import extend_schema
except ImportError:  # pragma: no cover

    def extend_schema(*args: Any, **kwargs: Any) -> Any:
        return lambda view: view


PurchaseOrder = get_model("oscar_backorders", "PurchaseOrder")
PurchaseOrderLine = get_model("oscar_backorders", "PurchaseOrderLine")
CREATE = ("add_purchaseorder", "add_purchaseorderline")


def purchase_orders() -> Any:
    return (
        PurchaseOrder._default_manager.select_related("supplier")
        .prefetch_related("lines__stockrecord")
        .order_by("-date_created", "-pk")
    )


def _as_csv(data: dict[str, Any]) -> str:
    """One purchase order as the import's CSV: the import checks and writes it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, "confirmed_date"))
    for line in data["lines"]:
        confirmed = line.get("confirmed_date")
        writer.writerow(
            (
                data["reference"],
                data["supplier"],
                line["sku"],
                line["quantity"],
                line["expected_date"].isoformat(),
                confirmed.isoformat() if confirmed else "",
            )
        )
    return out.getvalue()


class PurchaseOrdersView(BackorderAPIView):
    """Purchase orders, newest first (``?status=open``, ``?supplier=<code>``); create one."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"GET": ("view_purchaseorder",), "POST": CREATE}

    @extend_schema(responses=ss.PurchaseOrderSerializer(many=True))
    def get(self, request: Any) -> Response:
        orders = purchase_orders()
        if request.query_params.get("status"):
            orders = orders.filter(status=request.query_params["status"])
        if request.query_params.get("supplier"):
            orders = orders.filter(supplier__code=request.query_params["supplier"])
        data = ss.PurchaseOrderSerializer(orders[:500], many=True, context={"request": request})
        return Response(data.data)

    @extend_schema(request=ss.NewPurchaseOrderSerializer, responses=ss.PurchaseOrderSerializer)
    def post(self, request: Any) -> Response:
        serializer = ss.NewPurchaseOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            report = import_purchase_orders(_as_csv(data), dry_run=False, actor=request.user)
        except BackorderError as exc:
            report = getattr(exc, "report", None)
            if report is None:
                return Response({"non_field_errors": [str(exc)]}, status=400)
            # The import numbers the CSV's lines from 2 (after its header): the API's from 0.
            errors: list[list[str]] = [[] for _line in data["lines"]]
            for row in report.rows:
                errors[row.number - 2].extend(row.errors)
            body = {"lines": errors}
            if report.file_errors:
                body["non_field_errors"] = report.file_errors
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        order = purchase_orders().get(pk=report.created[0].pk)
        body = ss.PurchaseOrderSerializer(order, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class PurchaseOrderView(BackorderAPIView):
    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("view_purchaseorder",)}

    @extend_schema(responses=ss.PurchaseOrderSerializer)
    def get(self, request: Any, pk: int) -> Response:
        order = get_object_or_404(purchase_orders(), pk=pk)
        return Response(ss.PurchaseOrderSerializer(order, context={"request": request}).data)


class ImportView(BackorderAPIView):
    """Import purchase orders from CSV text, as the admin's import page (``dry_run``: report
    only). A file with any invalid row is refused whole: 400, nothing written."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": CREATE}

    @extend_schema(request=ss.ImportSerializer, responses=ss.ImportReportSerializer)
    def post(self, request: Any) -> Response:
        serializer = ss.ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            report = import_purchase_orders(
                data["csv"], dry_run=data["dry_run"], actor=request.user
            )
        except BackorderError as exc:
            report = getattr(exc, "report", None)
            if report is None:
                return Response({"csv": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
            return Response({"csv": report.errors}, status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_200_OK if data["dry_run"] else status.HTTP_201_CREATED
        return Response(ss.ImportReportSerializer(report).data, status=code)


class ConfirmArrivalView(BackorderAPIView):
    """Record (or, with ``null``, withdraw) the arrival date a supplier confirmed for a line."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("change_purchaseorderline",)}

    @extend_schema(request=ss.ConfirmSerializer, responses=ss.PurchaseOrderLineSerializer)
    def post(self, request: Any, pk: int) -> Response:
        line = get_object_or_404(PurchaseOrderLine, pk=pk)
        serializer = ss.ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        day = serializer.validated_data["confirmed_date"]
        try:
            if day is None:
                line = withdraw_confirmation(line.pk, actor=request.user)
            else:
                line = confirm_arrival(line.pk, day, actor=request.user)
        except BackorderError as exc:
            return Response({"confirmed_date": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        line = PurchaseOrderLine._default_manager.select_related("stockrecord").get(pk=line.pk)
        return Response(ss.PurchaseOrderLineSerializer(line).data)


class ReceiveView(BackorderAPIView):
    """Receive units of a purchase-order line: on the shelf, allocated to waiting lines in
    priority order, waiting lines re-dated (one transaction)."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("change_purchaseorderline", "allocate_backorder_stock")}

    @extend_schema(request=ss.ReceiveSerializer, responses=ss.ReceiptSerializer)
    def post(self, request: Any, pk: int) -> Response:
        from oscar_backorders.supply.admin_support import receipt_message

        line = get_object_or_404(PurchaseOrderLine, pk=pk)
        serializer = ss.ReceiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            receipt = receive_line(
                line.pk, serializer.validated_data["quantity"], actor=request.user
            )
        except BackorderError as exc:
            return Response({"quantity": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        shown = {
            "message": receipt_message(receipt),
            "purchase_order_line": PurchaseOrderLine._default_manager.select_related(
                "stockrecord"
            ).get(pk=line.pk),
            "allocation": receipt.allocation,
        }
        return Response(ss.ReceiptSerializer(shown).data)


class _LineServiceView(BackorderAPIView):
    """POST runs ``service(line id, actor=user)`` on a purchase-order line and answers the line;
    the service's refusal is a 400 under ``error_field``, nothing changed."""

    permission_classes = [HasBackorderPermissions]
    required_permissions = {"*": ("change_purchaseorderline",)}
    error_field = "non_field_errors"

    @staticmethod
    def service(line_id: int, *, actor: Any) -> Any:
        raise NotImplementedError

    @extend_schema(request=None, responses=ss.PurchaseOrderLineSerializer)
    def post(self, request: Any, pk: int) -> Response:
        line = get_object_or_404(PurchaseOrderLine, pk=pk)
        try:
            self.service(line.pk, actor=request.user)
        except BackorderError as exc:
            return Response({self.error_field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        line = PurchaseOrderLine._default_manager.select_related("stockrecord").get(pk=line.pk)
        return Response(ss.PurchaseOrderLineSerializer(line).data)


class WithdrawConfirmationView(_LineServiceView):
    """Withdraw the arrival date a supplier confirmed for a line (the supplier took it back);
    a line without one is left as it is. The line's waiting lines are re-dated."""

    error_field = "confirmed_date"
    service = staticmethod(withdraw_confirmation)


class CancelLineView(_LineServiceView):
    """Stop expecting what is still outstanding on a purchase-order line (``received`` if some
    units came, else ``cancelled``); its stock record's waiting lines are re-dated."""

    service = staticmethod(cancel_line)


__all__ = [
    "CancelLineView",
    "ConfirmArrivalView",
    "ImportView",
    "PurchaseOrderView",
    "PurchaseOrdersView",
    "ReceiveView",
    "WithdrawConfirmationView",
]
