"""Real Celery workers for the `redis` tests: start, kill, and count what their mail server took.

A :class:`Worker` is ``celery -A shop worker --pool=prefork --concurrency=2`` in its own process
group, on the test's PostgreSQL database and a Redis broker, with ``acks_late``, a 5 s visibility
timeout and :class:`tests.backends.DurableFileBackend` as its mail server: every message it
accepts is a file named ``<notice id>-<attempt>-<random>.eml``, fsynced and renamed into place
before the send returns, so a worker SIGKILLed a microsecond later has still left it behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
SEND = "oscar_backorders.notifications.tasks.send_notice"
SWEEP = "oscar_backorders.notifications.tasks.dispatch_due_notices"
#: The Redis database the worker tests use as their broker, emptied before and after.
REDIS_DB = os.environ.get("BACKORDERS_TEST_REDIS_DB", "4")


@contextlib.contextmanager
def producer(broker_url: str) -> Iterator[Celery]:
    """A Celery app that only sends tasks, on database ``broker_url`` of a Redis server, which
    is emptied before and after."""
    import redis

    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    # Not the current app: the tests that run after must keep the shop's own.
    app = Celery("producer", broker=broker_url, set_as_current=False)
    app.url = broker_url
    try:
        yield app
    finally:
        app.close()
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


def on_database(redis_url: str, db: int | str) -> str:
    return urlunparse(urlparse(redis_url)._replace(path=f"/{db}"))


def _database_url() -> str:
    db = connection.settings_dict
    password = ":" + quote(db["PASSWORD"]) if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'] or '')}{password}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def celery_env(broker_url: str, mail_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``celery -A shop`` process on the test's database and broker."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
            "BACKORDERS_TEST_WORKER": "1",
            "BACKORDERS_TEST_BROKER_URL": broker_url,
            "BACKORDERS_TEST_MAIL_DIR": str(mail_dir),
            "BACKORDERS_TEST_DATABASE_URL": _database_url(),
            **extra,
        }
    )
    return env


class Worker:
    """``celery -A shop worker`` with two pool processes, ready when the constructor returns.

    ``mail_delay``: seconds the mail server takes before accepting a message; ``mail_after``:
    seconds after accepting before the send returns (the end of the SMTP session);
    ``grace``: ``BACKORDERS_NOTICE_SENDING_GRACE_SECONDS``.
    """

    def __init__(
        self,
        broker_url: str,
        mail_dir: Path,
        log: Path,
        *,
        mail_delay: float,
        mail_after: float = 0,
        grace: int = 6,
    ) -> None:
        env = celery_env(
            broker_url,
            mail_dir,
            BACKORDERS_TEST_MAIL_DELAY=str(mail_delay),
            BACKORDERS_TEST_MAIL_AFTER=str(mail_after),
            BACKORDERS_TEST_SENDING_GRACE=str(grace),
        )
        self.log = log
        self.started_at = len(log.read_bytes()) if log.exists() else 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=prefork"]
            + ["--concurrency=2", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
            + ["--without-heartbeat", "-n", f"notify-{time.monotonic_ns()}@%h"],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self.wait_for(lambda: "ready." in self.output(), what="worker ready")
        except BaseException:
            self.kill()
            raise

    def output(self) -> str:
        """What this worker (not the ones before it on the same log) has logged."""
        return self.log.read_bytes()[self.started_at :].decode(errors="replace")

    def wait_for(self, condition: Callable[[], bool], *, what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited: {self.output()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}: {self.output()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no chance to ack, reject or clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Workers:
    """The workers a test started, all SIGKILLed when it ends, however it ends."""

    def __init__(self) -> None:
        self.started: list[Worker] = []

    def start(self, *args: object, **kwargs: object) -> Worker:
        worker = Worker(*args, **kwargs)  # type: ignore[arg-type]
        self.started.append(worker)
        return worker

    def kill_all(self) -> None:
        for worker in self.started:
            worker.kill()


@contextlib.contextmanager
def workers() -> Iterator[Workers]:
    started = Workers()
    try:
        yield started
    finally:
        started.kill_all()


@pytest.fixture
def broker(redis_url: str) -> Iterator[Celery]:
    """A producer on database :data:`REDIS_DB` of the test Redis (``broker.url`` for workers)."""
    with producer(on_database(redis_url, REDIS_DB)) as app:
        yield app


@pytest.fixture
def started() -> Iterator[Workers]:
    """Start workers with ``started.start(...)``; every one is killed when the test ends."""
    with workers() as pool:
        yield pool


def accepted(mail_dir: Path) -> list[tuple[int, int]]:
    """(notice id, attempt) of every message the mail server accepted, one per delivery."""
    found = []
    for path in mail_dir.glob("*.eml"):
        notice_id, attempt, _random = path.stem.split("-")
        found.append((int(notice_id), int(attempt)))
    return found


def deliveries(mail_dir: Path) -> Counter[int]:
    """How many times each notice was delivered."""
    return Counter(notice_id for notice_id, _attempt in accepted(mail_dir))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A ``redis-server`` of the test's own on a free port, which it can stop and start again
    (no persistence: what was queued when it stopped is gone, as after a crash)."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="bo-redis-restart-"))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 1),
            ):
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
