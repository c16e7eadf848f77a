"""Abstract models of the merchant console: long actions run as jobs, and spent confirmations.

Thin, as every model of the plugin: what a job runs and how far it got lives here; running it
is :mod:`oscar_backorders.console.jobs`, claiming a confirmation :mod:`.submit_once`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class AbstractConsoleJob(models.Model):
    """A queue action confirmed over more lines than ``BACKORDERS_CONSOLE_TASK_THRESHOLD``, run
    by a Celery task in batches. ``done`` counts the lines of the batches finished (applied or
    refused): a worker that restarts goes on from there, so progress survives it."""

    action = models.CharField(_("action"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    language = models.CharField(_("language"), max_length=15, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    #: The selected lines' ids cut into batches, in the order they run (a batch never splits an
    #: order or stock record the action needs whole), and the confirmation form's data.
    batches = models.JSONField(_("batches of line ids"), default=list)
    form_data = models.JSONField(_("form data"), default=dict)
    total = models.PositiveIntegerField(_("lines in total"), default=0)
    done = models.PositiveIntegerField(_("lines done"), default=0)
    batches_done = models.PositiveIntegerField(_("batches done"), default=0)
    #: Running totals of what the batches did (lines changed, units allocated, lines ready).
    counts = models.JSONField(_("counts"), default=dict)
    #: Why batches or lines were refused, in the merchant's words.
    refusals = models.JSONField(_("refusals"), default=list)
    message = models.TextField(_("result"), blank=True)
    #: The worker running the job holds it until then (renewed before each batch); a job whose
    #: lease ran out, or that no worker took, is queued again by the sweep.
    lease_until = models.DateTimeField(_("held by a worker until"), null=True, blank=True)
    date_created = models.DateTimeField(_("created"), auto_now_add=True)
    date_updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        ordering = ["-date_created", "-pk"]
        verbose_name = _("console job")
        verbose_name_plural = _("console jobs")
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="backorders_job_done_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk} ({self.done}/{self.total})"


class AbstractConsoleSubmission(models.Model):
    """A confirmation page's one-time token, spent: a second POST of the same page finds it and
    changes nothing. ``job`` is the job the confirmation started, if it ran as one."""

    nonce = models.CharField(_("token"), max_length=64, unique=True)
    scope = models.CharField(_("page"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    job = models.ForeignKey(
        "oscar_backorders.ConsoleJob", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    date_created = models.DateTimeField(_("applied"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        app_label = "oscar_backorders"
        verbose_name = _("applied confirmation")
        verbose_name_plural = _("applied confirmations")

    def __str__(self) -> str:
        return f"{self.scope} ({self.date_created:%Y-%m-%d %H:%M})"
