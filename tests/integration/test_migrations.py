"""The plugin's migrations match its models and form one line (the suite itself skips them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def makemigrations_check(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "SANDBOX_VAR_DIR": str(tmp_path),
        "DATABASE_NAME": str(tmp_path / "db.sqlite3"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "sandbox" / "manage.py"), "makemigrations"]
        + ["oscar_backorders", "--check", "--dry-run", "--no-input"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_no_migration_is_missing_or_conflicting_when_models_and_migrations_are_compared(
    tmp_path,
):
    done = makemigrations_check(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_migrations_depend_only_on_oscar_migrations_every_shop_has():
    """A shop that forked ``order`` or ``partner`` long ago still has their 0001 migrations."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    foreign = sorted(
        (key[1], dependency)
        for key, migration in loader.disk_migrations.items()
        if key[0] == "oscar_backorders"
        for dependency in migration.dependencies
        if dependency[0] not in ("oscar_backorders", "__setting__")
        and dependency[1] not in ("0001_initial", "__first__")
    )
    assert foreign == []
