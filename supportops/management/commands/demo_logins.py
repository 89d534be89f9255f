"""Print the demo logins that exist in this database (``make run`` shows them before serving)."""

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """List the demo logins with their role and password, skipping those not in this database."""

    help = "Print the demo logins present in this database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="", help="Where the server listens, printed as a hint.")

    def handle(self, *args: Any, **options: Any) -> None:
        from supportops.demo import DEMO_LOGINS, DEMO_PASSWORD

        present = set(
            User.objects.filter(username__in=[login[0] for login in DEMO_LOGINS]).values_list("username", flat=True)
        )
        rows = [login for login in DEMO_LOGINS if login[0] in present]
        if not rows:
            self.stdout.write("No demo logins in this database (python manage.py seed_demo loads them).")
            return
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        for username, role, sees in rows:
            self.stdout.write(f"  {username:<8} {role:<12} {sees}")
        if options["url"]:
            self.stdout.write(f"Open {options['url']} and sign in.")
