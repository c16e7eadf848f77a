"""Celery beat with real processes: two at once, and a holder killed around a fire.

Real ``celery beat`` processes with ``LeasedDatabaseScheduler`` on the test's PostgreSQL database
and a Redis broker (``make test`` starts both). No worker runs: every task beat sends stays in
Redis database ``BACKORDERS_TEST_BEAT_REDIS_DB`` (default 5), so the messages there are the fires,
counted durably. When each was sent comes from the beats' own logs ("Sending due task"). The
lease is 10 s (the least the settings allow), so a standby takes over within about 13 s.

The schedules are probes (``tests.beat_probe``, a task no one runs): a short one that shows which
beat is sending, and one longer than the lease, the kind the issue saw sent twice after a
takeover.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from oscar.core.loading import get_model

from tests.workers import ROOT, celery_env, on_database

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_DB = os.environ.get("BACKORDERS_TEST_BEAT_REDIS_DB", "5")
LEASE = 10
BeatLease = get_model("oscar_backorders", "BeatLease")
SENT = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/\w+\] Scheduler: Sending due task (\S+) ",
    re.MULTILINE,
)


@pytest.fixture
def queue(redis_url):
    """The Redis database beat sends to, empty before and after."""
    import redis

    url = on_database(redis_url, REDIS_DB)
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.url = url
    yield client
    client.flushdb()


def fires_in(queue) -> dict[str, int]:
    """Messages waiting in the default queue, by the schedule that sent them."""
    counts: dict[str, int] = {}
    for raw in queue.lrange("celery", 0, -1):
        name = json.loads(raw)["headers"].get("periodic_task_name")
        counts[name] = counts.get(name, 0) + 1
    return counts


def probes(**every: int) -> None:
    """The only schedules: one per name, every ``every[name]`` seconds, each due now."""
    PeriodicTask.objects.all().delete()
    for name, seconds in every.items():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=seconds, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.create(
            name=name,
            task="tests.beat_probe",
            interval=interval,
            last_run_at=timezone.now() - dt.timedelta(seconds=seconds + 1),
        )


class Beat:
    """``celery -A shop beat`` in its own process, on the test's database and Redis."""

    def __init__(self, name: str, broker_url: str, tmp_path: Path, **env_extra: str) -> None:
        env = celery_env(
            broker_url, tmp_path, BACKORDERS_TEST_BEAT_LEASE_SECONDS=str(LEASE), **env_extra
        )
        self.name = name
        self.log = tmp_path / f"beat-{name}.log"
        scheduler = env_extra.get("BACKORDERS_TEST_BEAT_SCHEDULER")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shop", "beat", "--loglevel=INFO"]
            + ["-s", str(tmp_path / f"beat-{name}-schedule")]
            + (["-S", scheduler] if scheduler else []),
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def waiting(self) -> bool:
        """Started, read its schedules, and found the lease taken."""
        return "lease; waiting" in self.text()

    def holds_lease(self) -> bool:
        return BeatLease.objects.filter(holder__contains=f":{self.process.pid}:").exists()

    def sent(self) -> list[tuple[dt.datetime, str]]:
        """(when, schedule) of every "Sending due task" this beat logged."""
        return [
            (dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f"), name)
            for stamp, name in SENT.findall(self.text())
        ]

    def kill(self) -> None:
        """SIGKILL: no sync, no lease release, nothing."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def beats(queue, tmp_path):
    started: list[Beat] = []

    def start(name: str, **env_extra: str) -> Beat:
        beat = Beat(name, queue.url, tmp_path, **env_extra)
        started.append(beat)
        return beat

    yield start
    for beat in started:
        beat.kill()


def wait_for(condition, *, what: str, timeout: float, beats: list[Beat]) -> float:
    """Poll ``condition`` every 0.1 s; returns the seconds it took. Fails with the beats' logs."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        for beat in beats:
            if beat.process.poll() is not None and beat.process.returncode != -signal.SIGKILL:
                raise AssertionError(f"beat {beat.name} exited:\n{beat.text()[-3000:]}")
        time.sleep(0.1)
    logs = "\n".join(f"--- beat {b.name}\n{b.text()[-3000:]}" for b in beats)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{logs}")


def gaps(sent: list[tuple[dt.datetime, str]], name: str) -> list[float]:
    times = sorted(when for when, schedule in sent if schedule == name)
    return [round((b - a).total_seconds(), 2) for a, b in zip(times, times[1:], strict=False)]


def two_beats_waiting_then_one_takes_the_lease(beats, **env_extra: str) -> tuple[Beat, Beat]:
    """Both beats started and read the schedules while a third party held the lease; then it is
    freed, and the one that takes it sends. Returns (holder, standby) once the holder sent."""
    BeatLease.objects.create(
        name="celery-beat",
        holder="test:0:blocker",
        expires_at=timezone.now() + dt.timedelta(minutes=5),
    )
    a, b = beats("a", **env_extra), beats("b", **env_extra)
    wait_for(
        lambda: a.waiting() and b.waiting(), what="both beats waiting", timeout=90, beats=[a, b]
    )
    BeatLease.objects.filter(holder="test:0:blocker").delete()
    wait_for(lambda: a.holds_lease() or b.holds_lease(), what="a holder", timeout=30, beats=[a, b])
    return (a, b) if a.holds_lease() else (b, a)


def test_two_beats_started_together_fire_each_schedule_once_per_period(queue, beats):
    probes(**{"probe-3s": 3, "probe-5s": 5})
    a, b = beats("a"), beats("b")
    wait_for(lambda: fires_in(queue).get("probe-3s"), what="a fire", timeout=90, beats=[a, b])
    time.sleep(20)
    sent = a.sent() + b.sent()
    in_queue = fires_in(queue)
    print(f"\nfires: {in_queue}; gaps 3 s: {gaps(sent, 'probe-3s')}; 5 s: {gaps(sent, 'probe-5s')}")
    # One beat sent everything; the other only waited.
    assert sorted([bool(a.sent()), bool(b.sent())]) == [False, True]
    for name, every in (("probe-3s", 3), ("probe-5s", 5)):
        assert in_queue[name] == sum(1 for _when, schedule in sent if schedule == name)
        assert in_queue[name] >= 20 // every
        assert min(gaps(sent, name)) >= every - 1, gaps(sent, name)


def test_standby_taking_over_from_a_holder_killed_right_after_a_fire_does_not_fire_it_again(
    queue, beats
):
    probes(**{"probe-3s": 3, "probe-20s": 20})
    holder, standby = two_beats_waiting_then_one_takes_the_lease(beats)
    wait_for(
        lambda: fires_in(queue).get("probe-20s"), what="the 20 s fire", timeout=30, beats=[holder]
    )
    holder.kill()
    took_over = wait_for(
        standby.holds_lease, what="the standby's takeover", timeout=LEASE + 20, beats=[standby]
    )
    # Past the 20 s period after the killed holder's fire: the standby sends the next one.
    wait_for(
        lambda: fires_in(queue).get("probe-20s") == 2,
        what="the next period's fire",
        timeout=30,
        beats=[standby],
    )
    sent = holder.sent() + standby.sent()
    print(
        f"\ntakeover {took_over:.1f} s after the kill; fires: {fires_in(queue)}; "
        f"gaps 20 s: {gaps(sent, 'probe-20s')}, 3 s: {gaps(sent, 'probe-3s')}"
    )
    assert [name for _when, name in holder.sent()].count("probe-20s") == 1
    assert [name for _when, name in standby.sent()].count("probe-20s") == 1
    assert min(gaps(sent, "probe-20s")) >= 19
    assert min(gaps(sent, "probe-3s")) >= 2
    assert fires_in(queue)["probe-20s"] == 2


def test_holder_killed_between_recording_a_fire_and_sending_it_loses_that_fire_only(
    queue, beats, tmp_path
):
    probes(**{"probe-3s": 3, "probe-20s": 20})
    holder, standby = two_beats_waiting_then_one_takes_the_lease(
        beats,
        BACKORDERS_TEST_BEAT_SCHEDULER="tests.beat_schedulers:SlowSendScheduler",
        BACKORDERS_TEST_BEAT_SLOW_SCHEDULE="probe-20s",
        BACKORDERS_TEST_BEAT_SEND_DELAY="60",
        BACKORDERS_TEST_BEAT_STALL_FILE=str(tmp_path / "stalled"),
    )
    recorded = PeriodicTask.objects.filter(name="probe-20s", total_run_count=1)
    wait_for(recorded.exists, what="the recorded fire", timeout=30, beats=[holder])
    time.sleep(0.5)  # inside the stall: recorded, not sent
    holder.kill()
    assert "probe-20s" not in fires_in(queue)
    wait_for(standby.holds_lease, what="the takeover", timeout=LEASE + 20, beats=[standby])
    # The standby does not send the recorded period (lost, as documented), and sends the next.
    wait_for(
        lambda: fires_in(queue).get("probe-20s") == 1,
        what="the next period's fire",
        timeout=30,
        beats=[standby],
    )
    (killed_fire,) = [when for when, name in holder.sent() if name == "probe-20s"]
    (next_fire,) = [when for when, name in standby.sent() if name == "probe-20s"]
    print(
        f"\nrecorded, not sent; next fire {(next_fire - killed_fire).total_seconds():.1f} s later"
    )
    assert (next_fire - killed_fire).total_seconds() >= 19
    assert PeriodicTask.objects.get(name="probe-20s").total_run_count == 2
