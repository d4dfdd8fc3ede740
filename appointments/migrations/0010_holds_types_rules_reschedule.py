"""Scheduling for booking conversations (issue 18): slot holds (tenant-isolated), appointment types with
durations and buffers, booking rules per doctor, buffers and reschedule links on appointments, and the
doctor's specialty and name as searched (accent- and case-insensitive)."""

import datetime
import django.db.models.deletion
import django.db.models.expressions
import patients.models
import uuid_utils.compat
from django.conf import settings
from django.db import migrations, models

from tenants.rls import AddTenantForeignKey, EnableTenantIsolation


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0009_reminder_due_index'),
        ('patients', '0005_custom_fields_bounded'),
        ('tenants', '0014_booking_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SlotHold',
            fields=[
                ('id', models.UUIDField(default=uuid_utils.compat.uuid7, editable=False, primary_key=True, serialize=False)),
                ('start', models.DateTimeField()),
                ('end', models.DateTimeField()),
                ('appointment_type', models.CharField(blank=True, max_length=40, null=True)),
                ('buffer_before_minutes', models.PositiveSmallIntegerField(default=0)),
                ('buffer_after_minutes', models.PositiveSmallIntegerField(default=0)),
                ('expires_at', models.DateTimeField()),
                ('api_key_id', models.UUIDField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ('start', 'id'),
            },
        ),
        migrations.AlterModelOptions(
            name='appointmenttype',
            options={'ordering': ('-is_default', 'code')},
        ),
        migrations.RemoveIndex(
            model_name='doctor',
            name='appointments_doctor_specialty',
        ),
        migrations.AddField(
            model_name='appointment',
            name='buffer_after_minutes',
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='appointment',
            name='buffer_before_minutes',
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='appointment',
            name='rescheduled_from',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rescheduled_to', to='appointments.appointment'),
        ),
        migrations.AddField(
            model_name='appointmenttype',
            name='buffer_after_minutes',
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='appointmenttype',
            name='buffer_before_minutes',
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='appointmenttype',
            name='duration_minutes',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='appointmenttype',
            name='is_default',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddField(
            model_name='doctor',
            name='booking_horizon_days',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='doctor',
            name='minimum_notice_minutes',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.CheckConstraint(condition=models.Q(('buffer_after_minutes__lte', 120), ('buffer_before_minutes__lte', 120)), name='appointments_appointment_buffers'),
        ),
        migrations.AddConstraint(
            model_name='appointmenttype',
            constraint=models.CheckConstraint(condition=models.Q(('duration_minutes__isnull', True), models.Q(('duration_minutes__gte', 5), ('duration_minutes__lte', 480)), _connector='OR'), name='appointments_appointmenttype_duration'),
        ),
        migrations.AddConstraint(
            model_name='appointmenttype',
            constraint=models.CheckConstraint(condition=models.Q(('buffer_after_minutes__lte', 120), ('buffer_before_minutes__lte', 120)), name='appointments_appointmenttype_buffers'),
        ),
        migrations.AddField(
            model_name='slothold',
            name='appointment',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='hold', to='appointments.appointment'),
        ),
        migrations.AddField(
            model_name='slothold',
            name='doctor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='holds', to='appointments.doctor'),
        ),
        migrations.AddField(
            model_name='slothold',
            name='patient',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='patients.patient'),
        ),
        migrations.AddField(
            model_name='slothold',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.tenant'),
        ),
        migrations.AddField(
            model_name='doctor',
            name='name_search',
            field=models.GeneratedField(db_persist=True, expression=patients.models.NameSearch('first_name', 'second_name', 'first_last_name', 'second_last_name'), output_field=models.TextField()),
        ),
        migrations.AddField(
            model_name='doctor',
            name='specialty_key',
            field=models.GeneratedField(db_persist=True, expression=patients.models.NameSearch('specialty'), output_field=models.TextField()),
        ),
        migrations.AddIndex(
            model_name='slothold',
            index=models.Index(fields=['tenant', 'doctor', 'start'], name='appointments_hold_doctor_start'),
        ),
        migrations.AddIndex(
            model_name='slothold',
            index=models.Index(fields=['expires_at'], name='appointments_hold_expires'),
        ),
        migrations.AddConstraint(
            model_name='slothold',
            constraint=models.UniqueConstraint(fields=('tenant', 'id'), name='appointments_slothold_tenant_id_id_uniq'),
        ),
        migrations.AddConstraint(
            model_name='slothold',
            constraint=models.CheckConstraint(condition=models.Q(('start__lt', models.F('end'))), name='appointments_slothold_window'),
        ),
        migrations.AddConstraint(
            model_name='slothold',
            constraint=models.CheckConstraint(condition=models.Q(('end__lte', django.db.models.expressions.CombinedExpression(models.F('start'), '+', models.Value(datetime.timedelta(days=1))))), name='appointments_slothold_max_24h'),
        ),
        migrations.AddConstraint(
            model_name='slothold',
            constraint=models.CheckConstraint(condition=models.Q(('buffer_after_minutes__lte', 120), ('buffer_before_minutes__lte', 120)), name='appointments_slothold_buffers'),
        ),
        migrations.AddIndex(
            model_name='doctor',
            index=models.Index(fields=['tenant', 'specialty_key'], name='appointments_doctor_spec_key'),
        ),
        EnableTenantIsolation(model_name="slothold"),
        AddTenantForeignKey(model_name="slothold", field="doctor", to_table="appointments_doctor", on_delete="CASCADE"),
        AddTenantForeignKey(model_name="slothold", field="patient", to_table="patients_patient", on_delete="CASCADE"),
        AddTenantForeignKey(model_name="slothold", field="appointment", to_table="appointments_appointment"),
        AddTenantForeignKey(model_name="appointment", field="rescheduled_from", to_table="appointments_appointment"),
    ]
