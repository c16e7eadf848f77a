"""A beat scheduler for the takeover tests: one that stalls between recording a fire and sending it."""

from __future__ import annotations

import os
import time

from oscar_backorders.notifications.beat import LeasedDatabaseScheduler


class SlowSendScheduler(LeasedDatabaseScheduler):
    """Stalls ``BACKORDERS_TEST_BEAT_SEND_DELAY`` seconds after the fire of the schedule named
    ``BACKORDERS_TEST_BEAT_SLOW_SCHEDULE`` is committed and before its task is sent; only the
    first such fire among all processes (the one that creates ``BACKORDERS_TEST_BEAT_STALL_FILE``).
    """

    def apply_async(self, entry, *args, **kwargs):
        if entry.name == os.environ.get("BACKORDERS_TEST_BEAT_SLOW_SCHEDULE"):
            try:
                os.close(
                    os.open(os.environ["BACKORDERS_TEST_BEAT_STALL_FILE"], os.O_CREAT | os.O_EXCL)
                )
            except FileExistsError:
                pass
            else:
                time.sleep(float(os.environ.get("BACKORDERS_TEST_BEAT_SEND_DELAY", "0")))
        return super().apply_async(entry, *args, **kwargs)
