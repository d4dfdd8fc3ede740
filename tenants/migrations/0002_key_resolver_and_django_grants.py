"""The API key resolver function, and the runtime role's grants on Django's own tables."""

from django.db import migrations

from tenants.key_resolvers import CreateKeyResolvers
from tenants.rls import READ_WRITE, GrantRuntimeAccess

class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        CreateKeyResolvers(initial=True),
        GrantRuntimeAccess(table="django_migrations"),
        GrantRuntimeAccess(table="django_content_type"),
        GrantRuntimeAccess(table="auth_permission"),
        GrantRuntimeAccess(table="auth_group", privileges=READ_WRITE, sequences=("auth_group_id_seq",)),
        GrantRuntimeAccess(
            table="auth_group_permissions", privileges=READ_WRITE, sequences=("auth_group_permissions_id_seq",)
        ),
        GrantRuntimeAccess(table="django_session", privileges=READ_WRITE),
        GrantRuntimeAccess(table="django_admin_log", privileges=READ_WRITE, sequences=("django_admin_log_id_seq",)),
    ]
