"""Console roles as groups with permissions (tenants/roles.py), and grants on django-axes' tables."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from tenants.rls import READ_WRITE, GrantRuntimeAccess

# Copied here (not imported from tenants.roles) so this migration keeps meaning what it meant.
_SCHEDULING = ("doctor", "availabilityrule", "blockedtime", "closedday", "clinic", "modality", "appointmenttype")
ROLE_PERMISSIONS = {
    "Owner": [
        *[("patients", f"{action}_patient") for action in ("view", "add", "change", "delete", "export")],
        *[("appointments", f"{a}_{m}") for m in _SCHEDULING for a in ("view", "add", "change", "delete")],
        *[("appointments", f"{action}_appointment") for action in ("view", "add", "change", "delete", "export")],
        *[("tenants", f"{action}_tenantapikey") for action in ("view", "add", "change")],
        *[("tenants", f"{action}_user") for action in ("view", "add", "change")],
    ],
    "Assistant": [
        *[("patients", f"{action}_patient") for action in ("view", "add", "change")],
        *[("appointments", f"{action}_appointment") for action in ("view", "add", "change")],
        *[("appointments", f"view_{model}") for model in _SCHEDULING],
    ],
    "Doctor": [
        ("appointments", "view_appointment"),
        ("appointments", "change_appointment"),
        ("appointments", "view_doctor"),
        ("patients", "view_patient"),
    ],
}


def create_roles(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally created after migrate; make sure they exist now (fresh databases).
    for label in ("patients", "appointments", "tenants"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        permissions = [
            permission_model.objects.using(using).get(content_type__app_label=app, codename=codename)
            for app, codename in codes
        ]
        group.permissions.set(permissions)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(
        name__in=list(ROLE_PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_user_tenant_unique"),
        ("patients", "0003_export_permission"),
        ("appointments", "0002_doctor_login_notes"),
        ("axes", "0010_accessattemptexpiration"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, drop_roles),
        GrantRuntimeAccess(table="axes_accessattempt", privileges=READ_WRITE, sequences=("axes_accessattempt_id_seq",)),
        GrantRuntimeAccess(
            table="axes_accessfailurelog", privileges=READ_WRITE, sequences=("axes_accessfailurelog_id_seq",)
        ),
        GrantRuntimeAccess(table="axes_accesslog", privileges=READ_WRITE, sequences=("axes_accesslog_id_seq",)),
        GrantRuntimeAccess(table="axes_accessattemptexpiration", privileges=READ_WRITE),
    ]
