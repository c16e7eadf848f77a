"""Serializers of the backorder-policy endpoints: a policy as the API shows it, and the list's
filters.

A policy's input is checked by the admin's own form
(:class:`~oscar_backorders.console.forms.BackorderPolicyForm`, which runs the model's
``full_clean``), so the API refuses what the admin refuses with the same messages;
:class:`PolicySerializer` describes the fields (its read-only ones are not accepted).
"""

from __future__ import annotations

from oscar.core.loading import get_model
from rest_framework import serializers

from oscar_backorders.choices import PolicyMode
from oscar_backorders.console.forms import BackorderPolicyForm

#: The fields a client may write: those the admin's form edits.
WRITABLE = tuple(BackorderPolicyForm.Meta.fields)


class PolicySerializer(serializers.ModelSerializer):
    """One backorder policy: of a stock record, or the default of a partner's stock records."""

    partner_sku = serializers.CharField(
        source="stockrecord.partner_sku", read_only=True, allow_null=True, default=None
    )
    partner_name = serializers.CharField(
        source="partner.name", read_only=True, allow_null=True, default=None
    )
    mode_display = serializers.CharField(source="get_mode_display", read_only=True)

    class Meta:
        model = get_model("oscar_backorders", "BackorderPolicy")
        fields = ("id", *WRITABLE, "partner_sku", "partner_name", "mode_display", "date_updated")
        read_only_fields = ("id", "date_updated")
        # The admin's form checks the input; this only describes it (no unique-together probe).
        validators: list = []


class PolicyFilterSerializer(serializers.Serializer):
    """``GET policies/`` filters; ``partner`` finds its default and its stock records' own."""

    stockrecord = serializers.IntegerField(required=False, min_value=1)
    partner = serializers.IntegerField(required=False, min_value=1)
    mode = serializers.ChoiceField(choices=PolicyMode.choices, required=False)
