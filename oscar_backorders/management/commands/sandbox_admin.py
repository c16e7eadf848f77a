from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

EMAIL = "admin@example.com"
PASSWORD = "sandbox-admin"


class Command(BaseCommand):
    help = "Create the sandbox's local admin account and print its credentials (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("sandbox_admin only runs with DEBUG=True (it prints a password).")
        User = get_user_model()
        user = User._default_manager.filter(email=EMAIL).first()
        if user is None:
            user = User._default_manager.create_superuser(
                **{User.USERNAME_FIELD: EMAIL if User.USERNAME_FIELD == "email" else "admin"},
                email=EMAIL,
                password=PASSWORD,
            )
        login = user.get_username()
        self.stdout.write(
            self.style.SUCCESS(
                f"Sandbox admin: username {login!r} (or {EMAIL} on the shop's login page), "
                f"password {PASSWORD!r} - sandbox only"
            )
        )
