"""Console screens of patients: search by document, name or phone; appointments inline; exports."""

import json_merge_patch
from django.contrib import admin
from import_export import fields, resources
from import_export.admin import ExportMixin

from patients import services
from patients.models import DocumentType, Eps, Gender, Patient
from tenants.console import TenantScopedAdmin, changed_data, on_default


class PatientResource(resources.ModelResource):
    """CSV/Excel export of patients (seed 003 asks for exports); Owners only (export permission)."""

    document_type = fields.Field(attribute="document_type__code", column_name="document_type")
    gender = fields.Field(attribute="gender__code", column_name="gender")
    eps = fields.Field(attribute="eps__code", column_name="eps")

    class Meta:
        model = Patient
        fields = (
            "id",
            "document_type",
            "document_number",
            "first_name",
            "second_name",
            "first_last_name",
            "second_last_name",
            "birth_date",
            "gender",
            "phone",
            "cell_phone",
            "email",
            "eps",
            "habeas_data",
            "created_at",
            "updated_at",
        )
        export_order = fields


@admin.register(Patient)
class PatientAdmin(ExportMixin, TenantScopedAdmin):
    resource_classes = [PatientResource]
    list_display = ("document", "full_name", "cell_phone", "phone", "email", "updated_at")
    list_select_related = ("document_type",)
    search_fields = (
        "document_number",
        "first_name",
        "second_name",
        "first_last_name",
        "second_last_name",
        "name_search",
        "phone",
        "cell_phone",
        "email",
    )
    list_filter = ("document_type", "habeas_data")
    readonly_fields = ("id", "created_at", "updated_at")
    # Apps above this one add theirs (appointments: the patient's appointments), see add_inline.
    inlines: list = []

    @classmethod
    def add_inline(cls, inline) -> None:
        """Show ``inline`` on the patient's page (registered by the app that owns its model)."""
        cls.inlines = [*cls.inlines, inline]

    actions = ["delete_patients"]

    def save_model(self, request, obj, form, change):
        """Through the API's services: duplicate documents, normalisation, audit and events alike."""
        with self.in_row_tenant(request, self.row_tenant_id(request, obj, form)):
            if change:
                patient = self.service(on_default, instance=obj)
                data = changed_data(form)
                if "custom_fields" in data:
                    # The console edits the whole object; the service merges (RFC 7396): send the difference.
                    data["custom_fields"] = json_merge_patch.create_patch(patient.custom_fields, data["custom_fields"])
                saved = self.service(services.patient_update, patient=patient, data=data)
            else:
                data = changed_data(form, names=[name for name in form.cleaned_data if name != "tenant"])
                saved = self.service(services.patient_create, tenant=self.row_tenant(request, obj, form), data=data)
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request, obj):
        with self.in_row_tenant(request, obj.tenant_id):
            self.service(services.patient_delete, patient=self.service(on_default, instance=obj))

    @admin.action(description="Delete selected patients (those without appointments)", permissions=["delete"])
    def delete_patients(self, request, queryset):
        """The API's rule for each patient: clinical records are kept, so patients with appointments stay."""
        done, refused = self.each_refused(
            request, queryset, lambda obj: self.service(services.patient_delete, patient=on_default(obj))
        )
        self.report(request, done=done, done_message="Deleted {count} patient(s).", refused=refused)

    @admin.display(description="Document", ordering="document_number")
    def document(self, patient: Patient) -> str:
        return f"{patient.document_type.code} {patient.document_number}"

    @admin.display(description="Name", ordering="first_last_name")
    def full_name(self, patient: Patient) -> str:
        parts = (patient.first_name, patient.second_name, patient.first_last_name, patient.second_last_name)
        return " ".join(part for part in parts if part)


@admin.register(DocumentType, Gender, Eps)
class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data is global and read-only in the console (changed by migrations)."""

    list_display = ("id", "code", "name", "is_active")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
