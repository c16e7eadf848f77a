"""Backorders, pre-orders, estimated ship dates and pay-when-it-ships for django-oscar."""

__version__ = "0.1.0"
