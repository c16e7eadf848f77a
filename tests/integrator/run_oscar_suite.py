"""Run django-oscar's own test suite with the plugin installed exactly as README says.

    python tests/integrator/run_oscar_suite.py [--plain] [--sqlite] [PATH] [-- PYTEST_ARGS...]

PATH is the ``tests`` folder of django-oscar's repository (default: ``$OSCAR_TESTS``, else
``../shared/oscar-tests/tests`` beside this repository). The suite writes files beside itself, so
it runs from a temporary working copy. Its settings are Oscar's ``tests.settings`` plus README's
install snippets (``oscar_suite_settings.py``); ``--plain`` runs Oscar's settings untouched, for
the baseline. The database is a throwaway PostgreSQL cluster on 127.0.0.1 (as Oscar's own CI),
or SQLite in memory with ``--sqlite``.

Where PATH does not exist the run is skipped with a message (exit 0); with ``CI`` set it fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from run_suite import in_ci, say, throwaway_postgres  # noqa: E402

DEFAULT_PATH = ROOT.parent / "shared" / "oscar-tests" / "tests"


def _arguments(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    ours, pytest_args = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    )
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=os.environ.get("OSCAR_TESTS") or DEFAULT_PATH)
    parser.add_argument("--plain", action="store_true", help="Oscar's settings, no plugin")
    parser.add_argument("--sqlite", action="store_true", help="SQLite in memory, not PostgreSQL")
    return parser.parse_args(ours), pytest_args


def _pytest(
    workdir: Path, args: argparse.Namespace, database_url: str | None, extra: list[str]
) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKORDERS_", "DJANGO_"))}
    # Oscar's package ``tests`` first, then this folder (the settings module), then the project.
    env["PYTHONPATH"] = os.pathsep.join([str(workdir), str(HERE), str(ROOT)])
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings" if args.plain else "oscar_suite_settings"
    if args.sqlite:
        env.update(DATABASE_ENGINE="django.db.backends.sqlite3", DATABASE_NAME=":memory:")
    if database_url:
        url = urlparse(database_url)
        env.update(
            DATABASE_ENGINE="django.db.backends.postgresql",
            DATABASE_NAME="oscar",
            DATABASE_USER=url.username or "postgres",
            DATABASE_HOST=url.hostname or "127.0.0.1",
            DATABASE_PORT=str(url.port or 5432),
        )
    command = [
        sys.executable, "-m", "pytest", "tests", "-p", "no:cacheprovider", "-q",
        "-o", "python_files=test_*.py *tests.py", "-o", "testpaths=tests",
        "-W", "ignore::DeprecationWarning", "--deprecation=none",
        *extra,
    ]  # fmt: skip
    print("$ " + " ".join(command), f"(in {workdir})", flush=True)
    return subprocess.call(command, cwd=workdir, env=env)


def _make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def main(argv: list[str]) -> int:
    args, extra = _arguments(argv)
    source = Path(args.path).resolve()
    if not (source / "settings.py").is_file():
        message = f"django-oscar's test suite is not at {source} (give its tests/ folder)."
        if in_ci():
            print(f"CI is set: {message}")
            return 1
        print(f"Skipped: {message}")
        return 0
    started = time.monotonic()
    what = "plain Oscar" if args.plain else "the plugin installed as README says"
    say(f"django-oscar's own suite ({source}) with {what}")
    with tempfile.TemporaryDirectory(prefix="oscar-suite-") as tmp:
        workdir = Path(tmp)
        shutil.copytree(source, workdir / "tests", ignore=shutil.ignore_patterns("__pycache__"))
        _make_writable(workdir / "tests")  # CI's copy of the suite has no write bits
        if args.sqlite:
            code = _pytest(workdir, args, None, extra)
        else:
            with throwaway_postgres() as database_url:
                if database_url is None:
                    print("PostgreSQL is not installed (Debian: apt-get install postgresql).")
                    return 1 if in_ci() else 0
                code = _pytest(workdir, args, database_url, extra)
    say(f"django-oscar's own suite: {'ok' if code == 0 else f'FAILED ({code})'} in "
        f"{(time.monotonic() - started) / 60:.1f} min")  # fmt: skip
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
