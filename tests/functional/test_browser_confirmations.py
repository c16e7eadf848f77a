"""In a real browser, a console confirmation page's submit button is disabled once submitted."""

from __future__ import annotations

import re

import pytest

from tests.browser import SCREENSHOTS

pytestmark = pytest.mark.browser

IMPORT = "/admin/oscar_backorders/purchaseorder/import/"
CSV = b"reference,supplier,sku,quantity,expected_date\n"


def test_confirmation_button_is_disabled_when_the_form_is_submitted(sandbox, browser_page):
    sandbox.manage("sandbox_admin")
    page = browser_page
    page.goto(sandbox.url + "/admin/login/?next=" + IMPORT)
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("sandbox-admin")
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(IMPORT)))
    form = page.locator("form[data-submit-once]")
    button = form.locator("input[type=submit]")
    assert button.is_enabled()
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "po.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    # Keep the page here to look at the button: the script's own listener still runs.
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.evaluate(
        "document.querySelector('form[data-submit-once]')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )

    button.click()

    page.wait_for_function(
        "document.querySelector('form[data-submit-once] input[type=submit]').disabled"
    )
    assert button.is_disabled()
    assert button.get_attribute("value") == "Working…"
    assert form.get_attribute("aria-busy") == "true"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "confirmation-submitted.png"))
    button.click(force=True)  # a second click on the disabled button sends nothing
    assert posts == []


_JOB = """
from django.contrib.auth import get_user_model
from oscar.core.loading import get_model
ConsoleJob = get_model("oscar_backorders", "ConsoleJob")
admin = get_user_model().objects.get(username="admin")
job = ConsoleJob.objects.create(
    action="change_priority", user=admin, batches=[[1], [2]], total=2, done=1,
    status="running", form_data={"priority": "1"},
)
print(f"JOB {job.pk}")
"""

_FINISH = """
from oscar.core.loading import get_model
get_model("oscar_backorders", "ConsoleJob").objects.filter(pk=%(pk)s).update(
    status="done", done=2, batches_done=2, message="Change priority: 2 lines changed."
)
"""


def test_progress_page_follows_a_running_job_until_it_is_done(sandbox, browser_page):
    sandbox.manage("sandbox_admin")
    out = sandbox.manage("shell", "-c", _JOB).stdout
    pk = next(line.split()[1] for line in out.splitlines() if line.startswith("JOB "))
    progress = f"/admin/oscar_backorders/consolejob/{pk}/progress/"
    page = browser_page
    page.goto(sandbox.url + "/admin/login/?next=" + progress)
    if page.locator("#id_username").count():
        page.locator("#id_username").fill("admin")
        page.locator("#id_password").fill("sandbox-admin")
        page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(progress)))
    assert page.locator("[data-job-done]").inner_text() == "1"

    sandbox.manage("shell", "-c", _FINISH % {"pk": pk})

    page.wait_for_selector("[data-job-finished=yes]", timeout=15_000)
    assert page.locator("[data-job-done]").inner_text() == "2"
    assert page.locator("[data-job-message]").inner_text() == "Change priority: 2 lines changed."
    assert page.locator("[data-job-status]").inner_text() == "Done"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-job-done.png"))
