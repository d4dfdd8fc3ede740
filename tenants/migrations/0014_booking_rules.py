"""A clinic's booking rules (minimum notice, booking horizon) and its longest slot hold; the key
resolvers return the new columns (tenants.key_resolvers.CreateKeyResolvers), so request.tenant has them."""

from django.db import migrations, models

from tenants.key_resolvers import CreateKeyResolvers


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0013_sign_in_records_and_superusers'),
    ]

    operations = [
        migrations.AddField(
            model_name='tenant',
            name='booking_horizon_days',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='tenant',
            name='hold_max_ttl_seconds',
            field=models.PositiveIntegerField(db_default=900, default=900),
        ),
        migrations.AddField(
            model_name='tenant',
            name='minimum_notice_minutes',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        CreateKeyResolvers(),
    ]
