"""The key resolvers return every tenant and key column by name (tenants.rls.CreateKeyResolvers): the
tenant's reminder lead minutes (0008) were missing from what the middleware built."""

from django.db import migrations

from tenants.key_resolvers import CreateKeyResolvers


class Migration(migrations.Migration):
    dependencies = [("tenants", "0011_encrypted_personal_data")]

    operations = [CreateKeyResolvers()]
