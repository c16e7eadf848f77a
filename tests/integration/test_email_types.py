"""The plugin's emails appear in Oscar's dashboard once the shop uses them, not on ``migrate``."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from oscar.core.loading import get_model

from oscar_backorders.notifications import email_types
from oscar_backorders.notifications.notices import EMAIL_CODES
from oscar_backorders.notifications.receivers import install_schedules

pytestmark = pytest.mark.django_db

CommunicationEventType = get_model("communication", "CommunicationEventType")


def plugin_types():
    return CommunicationEventType.objects.filter(code__in=EMAIL_CODES.values())


@pytest.fixture(autouse=True)
def not_yet_installed(monkeypatch):
    monkeypatch.setattr(email_types, "_installed", False)
    plugin_types().delete()


def test_migrate_leaves_oscars_email_list_as_it_was():
    install_schedules(app_config=apps.get_app_config("oscar_backorders"))
    assert not plugin_types().exists()


def test_first_email_sent_creates_every_plugin_email_type_once(django_assert_num_queries):
    email_types.ensure_email_types()
    assert sorted(plugin_types().values_list("code", flat=True)) == sorted(EMAIL_CODES.values())
    with django_assert_num_queries(0):
        email_types.ensure_email_types()


def test_a_merchants_edited_email_type_is_never_changed():
    code = EMAIL_CODES["shipped"]
    CommunicationEventType.objects.create(
        code=code, name="Your parcel", email_subject_template="Parcel {{ order.number }}"
    )
    created = email_types.install_email_types()
    assert code not in created
    kept = CommunicationEventType.objects.get(code=code)
    assert (kept.name, kept.email_subject_template) == ("Your parcel", "Parcel {{ order.number }}")


def test_backorder_schedules_command_creates_the_email_types(capsys):
    call_command("backorder_schedules")
    assert plugin_types().count() == len(EMAIL_CODES)
    assert "email types created" in capsys.readouterr().out
