"""Mail backends for the notification tests: one that fails on demand, one that lets a test look
at the database mid-send, one that records every message it accepts durably (for real worker
processes killed mid-send)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """locmem, but the next ``failures`` sends raise like an SMTP server that is down."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("SMTP server unavailable")
        return super().send_messages(messages)


def stamp_attempt(email, *, notice, key):
    """``BACKORDERS_NOTICE_EMAIL_HOOK`` of the test workers: which notice, which attempt."""
    email.extra_headers["X-Test-Attempt"] = f"{notice.pk}-{notice.attempts + 1}"


class DurableFileBackend(BaseEmailBackend):
    """A mail server that keeps every message it accepts, durably, before saying so.

    Sleeps ``BACKORDERS_TEST_MAIL_DELAY`` seconds, then writes the message to a temporary file,
    fsyncs it, renames it to ``<notice id>-<attempt>-<random>.eml`` in
    ``BACKORDERS_TEST_MAIL_DIR`` and fsyncs the directory: the accept. Ending the session sleeps
    ``BACKORDERS_TEST_MAIL_AFTER`` seconds (SMTP's QUIT); like Django's SMTP backend it ends a
    session it opened itself before returning, and leaves one opened by the caller open. A
    process killed at any moment has had a message accepted exactly when its file is there.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = False

    def open(self):
        if self.session:
            return False
        self.session = True
        return True

    def close(self):
        if self.session:
            time.sleep(float(os.environ.get("BACKORDERS_TEST_MAIL_AFTER", "0")))
            self.session = False

    def send_messages(self, messages):
        directory = Path(os.environ["BACKORDERS_TEST_MAIL_DIR"])
        new_session = self.open()
        for message in messages:
            time.sleep(float(os.environ.get("BACKORDERS_TEST_MAIL_DELAY", "0")))
            tag = message.extra_headers.get("X-Test-Attempt", "0-0")
            name = f"{tag}-{uuid.uuid4().hex}.eml"
            partial = directory / f".{name}.partial"
            with partial.open("wb") as out:
                out.write(message.message().as_bytes())
                out.flush()
                os.fsync(out.fileno())
            partial.rename(directory / name)
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        if new_session:
            self.close()
        return len(messages)


class ObservedBackend(LocmemBackend):
    """locmem, calling ``on_send(messages)`` first and ``on_close()`` when the session ends: a
    test looks at the database mid-send and at the end of the session."""

    on_send = None
    on_close = None

    def send_messages(self, messages):
        if ObservedBackend.on_send is not None:
            ObservedBackend.on_send(messages)
        return super().send_messages(messages)

    def close(self):
        if ObservedBackend.on_close is not None:
            ObservedBackend.on_close()
