"""Amounts in a currency's minor unit, as Stripe counts them (cents; whole yen)."""

from __future__ import annotations

from decimal import Decimal

from oscar_backorders.payments.gateways.exceptions import GatewayError

#: ISO currencies Stripe counts in whole units (no minor unit).
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)


def to_minor(amount: Decimal, currency: str) -> int:
    factor = 1 if currency.lower() in ZERO_DECIMAL else 100
    minor = amount * factor
    if minor != minor.to_integral_value():
        raise GatewayError(f"{amount} {currency} has more decimals than the currency allows.")
    return int(minor)


def from_minor(amount: int, currency: str) -> Decimal:
    if currency.lower() in ZERO_DECIMAL:
        return Decimal(amount)
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


__all__ = ["ZERO_DECIMAL", "from_minor", "to_minor"]
