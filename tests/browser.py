"""Fixtures for browser tests: the sandbox shop on a free port, and Debian's Chromium.

``sandbox`` (one per test session; ``running_sandbox`` starts others) migrates a fresh SQLite database in a temporary directory, loads the demo catalogue
and serves the sandbox with ``runserver`` on a free port of 127.0.0.1 (threaded: Chromium opens
connections ahead of use). It reads, from the sandbox itself, what each demo product's availability
message says today, so journeys can assert the exact text, date included.

``browser_page`` is a Playwright page in headless Chromium (``/usr/bin/chromium``, or
``BACKORDERS_CHROMIUM``). Playwright's own browser download is never used.

``tests/conftest.py`` imports the fixtures, so every test can ask for them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.markers import CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("BACKORDERS_SCREENSHOTS", ROOT / "var" / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Runs inside the sandbox (manage.py shell): each demo product's URL and availability message.
_FACTS = """
import json
from oscar.core.loading import get_class, get_model
from oscar_backorders.demo import DEMO_PRODUCTS
from oscar_backorders.formatting import order_date, ship_date
Product = get_model("catalogue", "Product")
strategy = get_class("partner.strategy", "Selector")().strategy()
facts = {}
for demo in DEMO_PRODUCTS:
    product = Product.objects.get(upc=demo.upc)
    availability = strategy.fetch_for_product(product).availability
    facts[demo.upc] = {
        "title": product.get_title(),
        "path": product.get_absolute_url(),
        "message": str(availability.message),
        "ships_by": ship_date(availability.dispatch_date) if availability.dispatch_date else "",
        "order_date": order_date(availability.dispatch_date),
        "price": str(strategy.fetch_for_product(product).price.incl_tax),
    }
print("FACTS " + json.dumps(facts))
"""


@dataclass
class Sandbox:
    url: str
    var: Path
    host: str = "127.0.0.1:8000"  # what it serves; its Site's domain (``sandbox_site``)
    products: dict[str, dict[str, str]] = field(default_factory=dict)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``manage.py *args`` against the sandbox's database."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "sandbox" / "manage.py"), *args],
            env=_sandbox_env(self.var, self.host),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done

    def product_url(self, upc: str) -> str:
        return self.url + self.products[upc]["path"]

    def message(self, upc: str) -> str:
        """What the shop says about ``upc`` today, e.g. "Available on backorder — ships by 9 Dec"."""
        return self.products[upc]["message"]

    def ships_by(self, upc: str) -> str:
        """The estimated ship date of ``upc`` as the shop writes it, e.g. "9 Dec" ("": none)."""
        return self.products[upc]["ships_by"]

    def order_date(self, upc: str) -> str:
        """The same date as pages about a placed order write it, e.g. "9 Dec 2026"."""
        return self.products[upc]["order_date"]

    def title(self, upc: str) -> str:
        return self.products[upc]["title"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sandbox_env(var: Path, host: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BACKORDERS_TEST_", "DATABASE_", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        SANDBOX_VAR_DIR=str(var),
        DATABASE_NAME=str(var / "db.sqlite3"),
        DJANGO_SETTINGS_MODULE="shop.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
        DEBUG="1",
        SANDBOX_HOST=host,
    )
    return env


@contextlib.contextmanager
def running_sandbox(var: Path) -> Iterator[Sandbox]:
    """A fresh sandbox in ``var`` (migrated, demo catalogue loaded), served until the block ends.

    Tests that add rows the other journeys must not see (and ``check_backorders`` must not
    judge) run their own: ``with running_sandbox(tmp_path_factory.mktemp("mine")) as shop``.
    """
    for folder in ("broker/out", "broker/processed", "broker/control", "mail"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    port = _free_port()
    shop = Sandbox(url="", var=var, host=f"127.0.0.1:{port}")
    env = _sandbox_env(var, shop.host)
    manage = [sys.executable, str(ROOT / "sandbox" / "manage.py")]
    shop.manage("migrate", "--noinput", "-v0")
    shop.manage("sandbox_site")  # as `make sandbox-setup`: emails link to this server
    shop.manage("load_backorder_demo")
    facts_line = next(
        line
        for line in shop.manage("shell", "-c", _FACTS).stdout.splitlines()
        if line.startswith("FACTS ")
    )
    shop.products = json.loads(facts_line.removeprefix("FACTS "))
    log = (var / "runserver.log").open("w")
    server = subprocess.Popen(
        # Threaded: a single-threaded server blocks on a connection Chromium opened ahead of
        # time and never used, stalling every other request until it times out.
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the sandbox did not start:\n{(var / 'runserver.log').read_text()}"
                )
            time.sleep(0.2)
        shop.url = f"http://127.0.0.1:{port}"
        yield shop
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as shop:
        yield shop


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


class Journey:
    """Steps of a customer journey: each asserts texts on the page and saves a screenshot.

    Screenshots go to ``var/screenshots/<journey>/NN-<step>.png`` (``BACKORDERS_SCREENSHOTS``
    moves the folder); ``make test`` prints where.
    """

    #: Folders written in this test session (``make test`` prints them at the end).
    written: list[Path] = []

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.number = 0
        Journey.written.append(self.folder)

    def step(self, name: str, *, expects: list[str] = ()) -> str:
        """Screenshot the page as ``name`` and check each text in ``expects`` is shown."""
        self.number += 1
        self.page.wait_for_load_state("load")
        path = self.folder / f"{self.number:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        text = self.page.inner_text("body")
        missing = [wanted for wanted in expects if wanted not in text]
        assert not missing, (
            f"step '{name}' ({self.page.url}): not on the page: {missing}; screenshot {path}"
        )
        return text
