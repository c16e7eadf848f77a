"""The merchant's console in Django's admin: the backorder queue and its actions, policies, reports
and charts.

``oscar_backorders/admin.py`` (found by Django's admin autodiscovery) imports the modules here
that register admin classes; the capability packages register their own (``payments/admin.py``,
``supply/admin.py``, ``notifications/admin.py``).
"""
