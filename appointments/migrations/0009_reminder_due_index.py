# The reminder scan's partial index: active appointments not yet reminded for their start.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0008_rule_and_blocked_custom_fields'),
        ('patients', '0005_custom_fields_bounded'),
        ('tenants', '0013_sign_in_records_and_superusers'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='appointment',
            index=models.Index(condition=models.Q(('state__in', ['scheduled', 'confirmed']), models.Q(('reminded_for_start', models.F('start')), _negated=True)), fields=['tenant', 'start'], name='appointments_reminder_due'),
        ),
    ]
