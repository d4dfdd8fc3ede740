"""Every clinic's default appointment types, primera_vez and control, as rows of its own (issue 18):
created for the existing clinics through operator_access() (the one named cross-tenant door; the
owner role sees no tenant's rows), as tenant_create does for new ones. Run after 0010 has committed,
so the console connection does not wait on the owner's schema change."""

from django.db import migrations

from tenants.bypass import operator_access

# As appointments/catalogs.py DEFAULT_APPOINTMENT_TYPES when this migration was written.
DEFAULTS = {"primera_vez": "Primera vez", "control": "Control"}


def create_defaults(apps, schema_editor):
    tenant_model = apps.get_model("tenants", "Tenant")
    type_model = apps.get_model("appointments", "AppointmentType")
    with operator_access() as alias:
        for tenant_id in tenant_model.objects.using(alias).values_list("id", flat=True):
            for code, name in DEFAULTS.items():
                type_model.objects.using(alias).update_or_create(
                    tenant_id=tenant_id, code=code, defaults={"name": name, "is_default": True}
                )


class Migration(migrations.Migration):
    dependencies = [("appointments", "0010_holds_types_rules_reschedule")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
