"""Staff behind the wall: staff rows, memberships and sessions out of the runtime role's reach.

* ``tenants_user``: forced RLS with the tenant policy, a restrictive policy refusing superusers,
  operators and other tenants in the runtime role's writes, and a read policy for the sign-in role.
* ``tenants_user_groups`` / ``tenants_user_user_permissions``: only the current tenant's staff's rows.
* ``auth_group`` / ``auth_group_permissions``: read-only for the runtime role (migrations and the
  operator role write them).
* Console sessions move to ``tenants_consolesession`` (hashed keys, key-bound signatures); the
  runtime role loses ``django_session``. Existing console sessions end: staff sign in again.
"""

from django.db import migrations, models

from tenants.rls import (
    READ_WRITE,
    RUNTIME_ROLE,
    AllowSignInRead,
    ChangePrivileges,
    EnableMembershipIsolation,
    EnableTenantIsolation,
    GrantRuntimeAccess,
    RefuseStaffEscalation,
)


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0008_reminder_lead'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConsoleSession',
            fields=[
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('session_key', models.CharField(max_length=64, primary_key=True, serialize=False, verbose_name='session key hash')),
            ],
            options={
                'verbose_name': 'session',
                'verbose_name_plural': 'sessions',
                'db_table': 'tenants_consolesession',
                'abstract': False,
            },
        ),
        GrantRuntimeAccess(table="tenants_consolesession", privileges=READ_WRITE, roles=(RUNTIME_ROLE,)),
        ChangePrivileges(table="django_session", privileges=(), previous=READ_WRITE),
        ChangePrivileges(table="auth_group", privileges=("SELECT",), previous=READ_WRITE, roles=(RUNTIME_ROLE,)),
        ChangePrivileges(
            table="auth_group_permissions", privileges=("SELECT",), previous=READ_WRITE, roles=(RUNTIME_ROLE,)
        ),
        # Restated so that going backwards restores 0001's plain grants after the isolation is undone.
        ChangePrivileges(table="tenants_user", privileges=READ_WRITE, previous=READ_WRITE),
        ChangePrivileges(table="tenants_user_groups", privileges=READ_WRITE, previous=READ_WRITE),
        ChangePrivileges(table="tenants_user_user_permissions", privileges=READ_WRITE, previous=READ_WRITE),
        EnableTenantIsolation(model_name="user"),
        RefuseStaffEscalation(model_name="user"),
        AllowSignInRead(model_name="user"),
        EnableMembershipIsolation(table="tenants_user_groups"),
        EnableMembershipIsolation(table="tenants_user_user_permissions"),
    ]
