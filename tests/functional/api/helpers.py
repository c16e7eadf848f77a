"""What the staff API tests share: a staff member with some permissions, and the API's URLs."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.test.factories import UserFactory


def staff_with(api, *codenames):
    """A staff member holding exactly ``codenames``, signed in on the ``api`` client."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    api.force_authenticate(user)
    return user


def url(name, *args):
    return reverse(f"oscar_backorders_api:{name}", args=args)
