"""seedusers: create users from a JSON array (--json, or stdin), keeping the ids given.

Each element: {"id": "<uuid>", "email": "...", "password": "...", "is_active": true,
"is_staff": false, "is_superuser": false}. Passwords are hashed with Django's default hasher.
"""
import json
import sys
import uuid

from django.core.management.base import BaseCommand
from django.db import transaction

from usermodel.models import User


class Command(BaseCommand):
    help = "Create users from a JSON array (--json, or stdin), keeping the ids given."

    def add_arguments(self, parser):
        parser.add_argument("--json", default=None, help="the users, instead of stdin")

    def handle(self, *args, **options):
        specs = json.loads(options["json"]) if options["json"] else json.load(sys.stdin)
        with transaction.atomic():
            for spec in specs:
                User.objects.create_user(
                    spec["email"],
                    spec["password"],
                    id=uuid.UUID(spec["id"]),
                    is_active=spec.get("is_active", True),
                    is_staff=spec.get("is_staff", False),
                    is_superuser=spec.get("is_superuser", False),
                )
        self.stdout.write(f"created {len(specs)} users")
