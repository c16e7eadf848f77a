"""The sandbox's embedded broker keeps every folder under ``var/broker``, which git ignores."""

from __future__ import annotations

import runpy
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_broker_folders_live_under_var_broker_when_the_sandbox_uses_the_file_transport(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("SANDBOX_VAR_DIR", str(tmp_path))
    settings = runpy.run_path(str(ROOT / "sandbox" / "shop" / "settings.py"))
    options = settings["CELERY_BROKER_TRANSPORT_OPTIONS"]
    folders = {name: Path(value) for name, value in options.items() if name.endswith("_folder")}
    folders |= {name: Path(value) for name, value in options.items() if "_folder_" in name}
    assert set(folders) == {
        "control_folder",
        "data_folder_in",
        "data_folder_out",
        "processed_folder",
    }
    assert all(folder.parent == tmp_path / "broker" for folder in folders.values()), folders


def test_broker_folders_are_ignored_by_git_when_the_sandbox_runs():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "sandbox/var/broker/control/celery.exchange"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.returncode == 0, ignored.stderr
