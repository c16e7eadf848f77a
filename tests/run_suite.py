"""Run the whole test suite: once on SQLite, then again on a throwaway PostgreSQL (+ Redis).

``make test`` calls this. It never touches a database server anyone else runs: it creates a
PostgreSQL cluster in a temporary directory (``initdb``; as the ``postgres`` user when run as
root, which PostgreSQL refuses), starts it and a ``redis-server`` on free ports of 127.0.0.1,
runs the suite against them and stops both afterwards, also when the suite fails or is
interrupted.

Pass 1 (SQLite): every test except those marked ``postgres`` or ``redis``.
Pass 2 (PostgreSQL): every test except those marked ``browser`` (they drive the sandbox on its
own SQLite database, so one pass is enough).

Where PostgreSQL or Redis binaries are missing, pass 2 runs without them and the tests that need
them are skipped with a message saying what to install; with the environment variable ``CI`` set
their absence fails the run instead (see ``tests/markers.py``).

Pass 3: django-oscar's own test suite with the plugin installed as README says
(``integrator/run_oscar_suite.py``; ``OSCAR_TESTS`` or ``../shared/oscar-tests/tests``), only
when no extra arguments are given.

Extra arguments go to both pytest runs: ``python tests/run_suite.py -x -k placement``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def say(message: str) -> None:
    print(f"\n=== {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_pg_bin(name: str) -> str | None:
    """``initdb``/``pg_ctl`` from PATH, else Debian's versioned directory (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        reverse=True,
    )
    return candidates[0] if candidates else None


def _as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *command]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """Yield the URL of a fresh PostgreSQL cluster (``None`` when PostgreSQL is not installed)."""
    initdb, pg_ctl = find_pg_bin("initdb"), find_pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        yield None
        return
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            print("Running as root but there is no 'postgres' user to run PostgreSQL as.")
            yield None
            return
    workdir = Path(tempfile.mkdtemp(prefix="bo-pg-"))
    if os.geteuid() == 0:
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
    data, log = workdir / "data", workdir / "server.log"
    port = free_port()
    started = False
    try:
        subprocess.run(
            _as_postgres_user(
                [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
                + ["--no-sync", "--locale=C"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_postgres_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w"])
            + ["start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = True
        say(f"PostgreSQL (throwaway) on 127.0.0.1:{port}, data in {data}")
        yield f"postgres://postgres@127.0.0.1:{port}/backorders"
    finally:
        if started:
            subprocess.run(
                _as_postgres_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                stdout=subprocess.DEVNULL,
                check=False,
            )
        elif log.exists():
            print(log.read_text(errors="replace")[-3000:])
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str | None]:
    """Yield the URL of a fresh ``redis-server`` (``None`` when Redis is not installed)."""
    binary = shutil.which("redis-server")
    if not binary:
        yield None
        return
    workdir = Path(tempfile.mkdtemp(prefix="bo-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir)]
        + ["--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.1)
        say(f"Redis (throwaway) on 127.0.0.1:{port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def pytest(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", *args]
    print("$ " + " ".join(command), flush=True)
    code = subprocess.call(command, cwd=ROOT, env=env)
    return 0 if code == 5 else code  # 5: the arguments selected no test for this pass


def main(argv: list[str]) -> int:
    started = time.monotonic()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDERS_TEST_")}
    results: dict[str, int] = {}

    say("Pass 1: SQLite")
    sqlite_env = dict(base_env)
    if in_ci():
        # The payments state machines: 1,000 random sequences with the test gateway (about 4
        # minutes) and 100 against localstripe (about 2), once.
        sqlite_env.setdefault("BACKORDERS_STATEFUL_EXAMPLES", "1000")
        sqlite_env.setdefault("BACKORDERS_STRIPE_STATEFUL_EXAMPLES", "100")
    results["sqlite"] = pytest(["-m", "not postgres and not redis", *argv], sqlite_env)

    say("Pass 2: PostgreSQL and Redis")
    with throwaway_postgres() as pg_url, throwaway_redis() as redis_url:
        env = dict(base_env)
        missing = []
        if pg_url:
            env["BACKORDERS_TEST_DATABASE_URL"] = pg_url
        else:
            missing.append("PostgreSQL (initdb/pg_ctl; Debian: apt-get install postgresql)")
        if redis_url:
            env["BACKORDERS_TEST_REDIS_URL"] = redis_url
        else:
            missing.append("Redis (redis-server; Debian: apt-get install redis-server)")
        if missing and in_ci():
            print("CI is set and these are missing: " + "; ".join(missing))
            results["postgres"] = 1
        else:
            for what in missing:
                print(f"Not installed, its tests are skipped: {what}")
            if pg_url:
                results["postgres"] = pytest(["-m", "not browser", *argv], env)
            else:
                # Without PostgreSQL only the tests that need it are left; run them so the
                # summary says clearly that they were skipped and why.
                results["postgres"] = pytest(["-m", "postgres or redis", *argv], env)

    if argv:
        say("django-oscar's own suite: not run (arguments were given; run make oscar-suite)")
    else:
        from integrator.run_oscar_suite import main as oscar_suite

        results["oscar-suite"] = oscar_suite(
            [os.environ.get("OSCAR_TESTS", "")] if os.environ.get("OSCAR_TESTS") else []
        )

    minutes = (time.monotonic() - started) / 60
    say(
        "Summary: "
        + ", ".join(
            f"{name}: {'ok' if code == 0 else f'FAILED ({code})'}" for name, code in results.items()
        )
        + f" — {minutes:.1f} min"
    )
    screenshots = Path(os.environ.get("BACKORDERS_SCREENSHOTS", ROOT / "var" / "screenshots"))
    if screenshots.exists():
        print(f"Browser screenshots: {screenshots}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
