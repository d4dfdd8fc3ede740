"""django-axes' records of failed sign-ins move out of the runtime role's reach (to the sign-in role,
tenants/routers.py); a superuser belongs to no clinic."""

from django.db import migrations, models

from tenants.rls import APP_ROLES, AUTH_ROLE, READ_WRITE, ChangePrivileges, GrantRuntimeAccess

AXES_TABLES = {
    "axes_accessattempt": ("axes_accessattempt_id_seq",),
    "axes_accessfailurelog": ("axes_accessfailurelog_id_seq",),
    "axes_accesslog": ("axes_accesslog_id_seq",),
    "axes_accessattemptexpiration": (),
}


class Migration(migrations.Migration):
    dependencies = [("tenants", "0012_key_resolvers_every_column"), ("axes", "0010_accessattemptexpiration")]

    operations = [
        *[ChangePrivileges(table=table, privileges=(), previous=READ_WRITE, roles=APP_ROLES) for table in AXES_TABLES],
        *[
            GrantRuntimeAccess(table=table, privileges=READ_WRITE, sequences=sequences, roles=(AUTH_ROLE,))
            for table, sequences in AXES_TABLES.items()
        ],
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_superuser", False)) | models.Q(("tenant__isnull", True)),
                name="tenants_user_superuser_no_tenant",
                violation_error_message="A superuser is a platform operator and belongs to no clinic.",
            ),
        ),
    ]
