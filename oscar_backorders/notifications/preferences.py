"""A customer's notification preferences (follow-ups on or off, the language of their notices).

A domain flow with explicit arguments, called by the API and usable from a shell; the signed
unsubscribe link (:func:`oscar_backorders.notifications.answers.unsubscribe`) turns follow-ups
off through the same row. Preferences are kept per email address, as the notices are sent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from oscar_backorders.exceptions import BackorderError


class PreferenceRefused(BackorderError, ValueError):
    """A preference that cannot be stored; ``field`` names the value refused."""

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        super().__init__(message)


def languages() -> list[str]:
    """The language codes a customer may choose: the shop's ``LANGUAGES``."""
    return [code for code, _name in settings.LANGUAGES]


def preference_for(email: str) -> Any:
    """The stored preference of ``email``, or an unsaved default one (nothing is written)."""
    NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
    email = (email or "").strip().lower()
    found = NotificationPreference._default_manager.filter(email=email).first()
    return found or NotificationPreference(email=email)


@transaction.atomic
def set_preferences(
    email: str,
    *,
    follow_ups: bool | None = None,
    language: str | None = None,
    user: Any | None = None,
) -> Any:
    """Store what ``email`` wants to hear; ``None`` leaves a value as it is.

    Refuses (:class:`PreferenceRefused`, nothing written) an empty address, a ``follow_ups`` that
    is not a boolean and a language the shop does not speak. Legally required notices (delays,
    cancellations) are sent whatever the preference says.
    """
    email = (email or "").strip().lower()
    if not email:
        raise PreferenceRefused(
            _("There is no email address to keep preferences for."), field="email"
        )
    if follow_ups is not None and not isinstance(follow_ups, bool):
        raise PreferenceRefused(_("Follow-ups are either on or off."), field="follow_ups")
    if language is not None and language not in languages():
        raise PreferenceRefused(
            _("The shop does not send notices in %(language)r.") % {"language": language},
            field="language",
        )
    NotificationPreference = get_model("oscar_backorders", "NotificationPreference")
    preference, _created = (
        NotificationPreference._default_manager.select_for_update().get_or_create(email=email)
    )
    changed = []
    if follow_ups is not None and preference.follow_ups != follow_ups:
        preference.follow_ups = follow_ups
        changed.append("follow_ups")
    if language is not None and preference.language != language:
        preference.language = language
        changed.append("language")
    if user is not None and getattr(user, "pk", None) and preference.user_id is None:
        preference.user = user
        changed.append("user")
    if changed:
        preference.save(update_fields=[*changed, "date_updated"])
    return preference
