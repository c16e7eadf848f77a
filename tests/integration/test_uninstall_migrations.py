"""docs/uninstall.md followed on a migrated shop: release, migrate to zero, remove the rest.

The suite runs without migrations, so this migrates a throwaway SQLite copy of the sandbox for
real (as tests/integration/test_migrations.py does) and walks the documented steps in one
process: afterwards the plugin's tables, schedules and email types are gone, nothing puts them
back, and the stock counters mean what they mean in plain Oscar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from oscar_backorders.notifications.notices import EMAIL_CODES

ROOT = Path(__file__).resolve().parents[2]

STEPS = r"""
import json
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask
from oscar.core.loading import get_class, get_model

from tests.helpers import basket_with, place

def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()

call_command("migrate", verbosity=0)
call_command("backorder_schedules", stdout=StringIO())  # as after the first email sent
call_command("load_backorder_demo", stdout=StringIO())
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
strategy = get_class("partner.strategy", "Selector")().strategy()
apron = Product.objects.get(upc="BO-PARTIAL")  # 3 on the shelf, backorderable
order = place(basket_with(strategy, (apron, 5)), number="UNINSTALL-1")
record = StockRecord.objects.get(product=apron)
facts = {"before": [record.num_in_stock, record.num_allocated]}
facts["schedules_before"] = PeriodicTask.objects.filter(name__startswith="backorders.").count()
CommunicationEventType = get_model("communication", "CommunicationEventType")
facts["email_types_before"] = CommunicationEventType.objects.filter(
    code__startswith="BACKORDER_"
).count()

facts["dry_run"] = run("release_backorder_allocations")
facts["apply"] = run("release_backorder_allocations", "--apply")
record.refresh_from_db()
facts["after"] = [record.num_in_stock, record.num_allocated]
facts["line"] = order.lines.get().num_allocated
call_command("migrate", "oscar_backorders", "zero", verbosity=0)
facts["removal"] = run("remove_backorder_schedules", "--apply")

facts["tables"] = [t for t in connection.introspection.table_names() if "backorder" in t]
facts["schedules"] = list(
    PeriodicTask.objects.filter(task__startswith="oscar_backorders.").values_list("name", flat=True)
)
facts["email_types"] = list(
    CommunicationEventType.objects.filter(code__startswith="BACKORDER_").values_list("code", flat=True)
)
facts["notes"] = list(order.notes.values_list("message", flat=True))
# A later `migrate` of another app (the plugin still listed) must not bring the rows back either.
call_command("migrate", "partner", verbosity=0)
facts["schedules_after_migrate"] = PeriodicTask.objects.filter(name__startswith="backorders.").count()
print("FACTS" + json.dumps(facts))
"""


def test_documented_uninstall_leaves_plain_oscar_counters_and_nothing_of_the_plugin(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "SANDBOX_VAR_DIR": str(tmp_path),
        "DATABASE_NAME": str(tmp_path / "db.sqlite3"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "sandbox")]),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "sandbox" / "manage.py"), "shell", "-v", "0", "-c", STEPS],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    facts = json.loads(done.stdout.split("FACTS", 1)[1])

    assert facts["before"] == [3, 5]  # 3 from the shelf and 2 waiting, all allocated
    assert facts["schedules_before"] > 0
    assert facts["email_types_before"] == len(EMAIL_CODES)
    assert "Would release 2 unit(s)" in facts["dry_run"]
    assert "Released 2 unit(s)" in facts["apply"]
    assert facts["after"] == [3, 3] and facts["line"] == 3  # plain Oscar's counters
    assert any("uninstalled" in note for note in facts["notes"])  # kept in Oscar's order notes
    assert facts["tables"] == []
    assert facts["schedules"] == [] and facts["email_types"] == []
    assert facts["schedules_after_migrate"] == 0
    assert "Removed" in facts["removal"]
