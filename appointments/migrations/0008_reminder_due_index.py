# The reminder scan's partial index, built without blocking writes to the appointments table.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('appointments', '0007_custom_fields_bounded'),
        ('patients', '0005_custom_fields_bounded'),
        ('tenants', '0013_sign_in_records_and_superusers'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='appointment',
            index=models.Index(condition=models.Q(('state__in', ['scheduled', 'confirmed']), models.Q(('reminded_for_start', models.F('start')), _negated=True)), fields=['tenant', 'start'], name='appointments_reminder_due'),
        ),
    ]
