"""Removing the plugin's beat schedules and email types from the shop's database."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from oscar.core.loading import get_model

# --- schedules and email types ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmailTypeRemoval:
    code: str
    name: str
    edited: bool  # its templates were edited in Oscar's dashboard (the edits go with it)
    used_by: int  # order communication events that point at it: then it is kept

    @property
    def removed(self) -> bool:
        return not self.used_by


@dataclass(frozen=True, slots=True)
class RemovalResult:
    applied: bool
    schedules: tuple[tuple[str, str], ...] = ()  # (name, task) of each PeriodicTask
    email_types: tuple[EmailTypeRemoval, ...] = ()
    beat_installed: bool = True


@transaction.atomic
def remove_schedules_and_email_types(*, apply: bool = False) -> RemovalResult:
    """Remove the plugin's Celery beat schedules and email types (with ``apply``; else plan).

    Schedules: django-celery-beat ``PeriodicTask`` rows named as in
    :data:`oscar_backorders.notifications.beat.SCHEDULES`, or running one of the plugin's tasks
    under another name. Their interval and crontab rows are shared and stay. Email types: the
    ``CommunicationEventType`` rows of :data:`oscar_backorders.notifications.notices.EMAIL_CODES`;
    one that an order's communication event points at is kept (deleting it would delete that
    order history with it). Oscar's own types (``ORDER_PLACED``) are never touched.
    """
    from oscar_backorders.notifications.beat import SCHEDULES
    from oscar_backorders.notifications.notices import EMAIL_CODES

    CommunicationEventType = get_model("communication", "CommunicationEventType")
    CommunicationEvent = get_model("order", "CommunicationEvent")
    schedules: list[tuple[str, str]] = []
    beat_installed = apps.is_installed("django_celery_beat")
    if beat_installed:
        PeriodicTask = get_model("django_celery_beat", "PeriodicTask")
        tasks = PeriodicTask.objects.filter(
            Q(name__in=[schedule.name for schedule in SCHEDULES])
            | Q(task__startswith="oscar_backorders.")
        ).order_by("name")
        schedules = list(tasks.values_list("name", "task"))
        if apply:
            tasks.delete()
    email_types = []
    for event_type in CommunicationEventType._default_manager.filter(
        code__in=list(EMAIL_CODES.values())
    ).order_by("code"):
        used_by = CommunicationEvent._default_manager.filter(event_type=event_type).count()
        email_types.append(
            EmailTypeRemoval(
                code=event_type.code,
                name=event_type.name,
                edited=any(
                    getattr(event_type, name)
                    for name in (
                        "email_subject_template",
                        "email_body_template",
                        "email_body_html_template",
                        "sms_template",
                    )
                ),
                used_by=used_by,
            )
        )
    if apply:
        CommunicationEventType._default_manager.filter(
            code__in=[e.code for e in email_types if e.removed]
        ).delete()
    return RemovalResult(
        applied=apply,
        schedules=tuple(schedules),
        email_types=tuple(email_types),
        beat_installed=beat_installed,
    )
