"""Drop Django's single-column foreign keys between tenant tables: each has a same-tenant twin on
(tenant_id, <field>_id) (tenants.rls.AddTenantForeignKey), which keeps referential integrity (and the
tenant wall) alone. A key without tenant_id is what Citus cannot distribute (docs/scaling.md); the
schema test (secre/tests/test_distribution.py) holds the schema to that.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0012_hold_view_permission'),
        ('patients', '0005_custom_fields_bounded'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='appointment',
            name='clinic',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='appointments.clinic'),
        ),
        migrations.AlterField(
            model_name='appointment',
            name='doctor',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='appointments.doctor'),
        ),
        migrations.AlterField(
            model_name='appointment',
            name='patient',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='patients.patient'),
        ),
        migrations.AlterField(
            model_name='appointment',
            name='rescheduled_from',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rescheduled_to', to='appointments.appointment'),
        ),
        migrations.AlterField(
            model_name='availabilityrule',
            name='doctor',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='availability_rules', to='appointments.doctor'),
        ),
        migrations.AlterField(
            model_name='blockedtime',
            name='doctor',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='blocked_times', to='appointments.doctor'),
        ),
        migrations.AlterField(
            model_name='doctor',
            name='user',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='doctor', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='slothold',
            name='appointment',
            field=models.OneToOneField(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='hold', to='appointments.appointment'),
        ),
        migrations.AlterField(
            model_name='slothold',
            name='doctor',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='holds', to='appointments.doctor'),
        ),
        migrations.AlterField(
            model_name='slothold',
            name='patient',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='patients.patient'),
        ),
    ]
