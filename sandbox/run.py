"""Run the sandbox: web server on 127.0.0.1:8000, a Celery worker and Celery beat.

``SANDBOX_HOST`` (environment) serves elsewhere, e.g. ``SANDBOX_HOST=127.0.0.1:8010``; before
starting, the Site is pointed at that host (``manage.py sandbox_site``), so every email links
to where the shop runs. Ctrl-C stops all three. The broker is kombu's filesystem transport under
sandbox/var/broker unless CELERY_BROKER_URL says otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VAR = Path(os.environ.get("SANDBOX_VAR_DIR", HERE / "var"))


def main() -> int:
    for folder in ("broker/out", "broker/processed", "broker/control", "mail"):
        (VAR / folder).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), str(HERE), env.get("PYTHONPATH", "")])
    env.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    py = sys.executable
    host = env.setdefault("SANDBOX_HOST", "127.0.0.1:8000")
    subprocess.run([py, str(HERE / "manage.py"), "sandbox_site"], cwd=HERE, env=env, check=True)
    commands = {
        "web": [py, str(HERE / "manage.py"), "runserver", host, "--noreload"],
        "worker": [
            py,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=solo",
        ],
        "beat": [
            py,
            "-m",
            "celery",
            "-A",
            "shop",
            "beat",
            "--loglevel=INFO",
            f"--pidfile={VAR / 'celerybeat.pid'}",
        ],
    }
    procs = {name: subprocess.Popen(cmd, cwd=HERE, env=env) for name, cmd in commands.items()}
    print(
        f"Sandbox: http://{host}/  admin: http://{host}/admin/  "
        f"mail: {VAR / 'mail'}  (Ctrl-C stops all)",
        flush=True,
    )
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping the sandbox", flush=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        for proc in procs.values():
            try:
                proc.wait(max(deadline - time.time(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
