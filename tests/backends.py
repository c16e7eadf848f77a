"""Mail backends for the notification tests: one that fails on demand, one that is slow."""

from __future__ import annotations

import os
import time

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """locmem, but the next ``failures`` sends raise like an SMTP server that is down."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server unavailable")
        return super().send_messages(messages)


class SlowFileBackend(FileBackend):
    """The file backend, sleeping ``BACKORDERS_TEST_MAIL_DELAY`` seconds before writing."""

    def send_messages(self, messages):
        time.sleep(float(os.environ.get("BACKORDERS_TEST_MAIL_DELAY", "0")))
        return super().send_messages(messages)


class ObservedBackend(LocmemBackend):
    """locmem, calling ``on_send(messages)`` first: a test looks at the database mid-send."""

    on_send = None

    def send_messages(self, messages):
        if ObservedBackend.on_send is not None:
            ObservedBackend.on_send(messages)
        return super().send_messages(messages)
