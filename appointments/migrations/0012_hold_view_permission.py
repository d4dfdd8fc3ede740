"""Owners and assistants see the clinic's slot holds in the console (read-only: holds are made and
booked through the API)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Owner", "Assistant")


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    create_permissions(global_apps.get_app_config("appointments"), verbosity=0, using=using, apps=apps)
    permission = apps.get_model("auth", "Permission").objects.using(using).get(
        content_type__app_label="appointments", codename="view_slothold"
    )
    for group in apps.get_model("auth", "Group").objects.using(using).filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    using = schema_editor.connection.alias
    for group in apps.get_model("auth", "Group").objects.using(using).filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(codename="view_slothold"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0011_default_appointment_types"), ("tenants", "0014_booking_rules")]

    operations = [migrations.RunPython(grant, revoke)]
