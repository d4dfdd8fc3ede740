"""Patients (seed 000 Patient) and their reference data: document types, genders, EPS.

FHIR mapping: Patient = FHIR Patient; documentTypeId + documentNumber = Patient.identifier
(type + value); habeasData = Consent (Colombian Law 1581 of 2012 data-processing consent).
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Func, TextField
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField
from uuid_utils.compat import uuid7

from secre.custom_fields import custom_fields_validator
from tenants.models import Tenant
from tenants.scoping import TenantScopedManager


class NameSearch(Func):
    """``secre_name_search(parts...)``: lower-cased, accent-free, space-joined text (patients/migrations/0001).

    Declared IMMUTABLE so it can feed a stored generated column and fold to a constant in queries.
    (Under RLS no index serves a LIKE: the name filter goes through secre_patient_ids_by_name,
    patients/migrations/0007.)
    """

    function = "secre_name_search"
    output_field = TextField()


class ReferenceData(models.Model):
    """A global catalogue row with a stable numeric id (what the seeds send) and a short code."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"


class DocumentType(ReferenceData):
    """Colombian identity document types (CC, TI, CE, PA, RC, NIT, ...): FHIR Identifier.type."""


class Gender(ReferenceData):
    """Gender catalogue (FHIR AdministrativeGender mapping documented in docs/api.md)."""


class Eps(ReferenceData):
    """Entidades Promotoras de Salud: Colombian health insurers (code as assigned by the regulator)."""

    class Meta(ReferenceData.Meta):
        verbose_name = "EPS"
        verbose_name_plural = "EPS"


class Patient(models.Model):
    """A clinic's patient, identified within the tenant by (documentTypeId, documentNumber).

    Phones are E.164 (``+573001234567``). ``customFields`` is a JSON object for tenant-specific
    data. ``name_search`` is kept by PostgreSQL (generated column) for accent-insensitive search.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(max_length=100)
    second_name = models.CharField(max_length=100, null=True, blank=True)
    first_last_name = models.CharField(max_length=100)
    second_last_name = models.CharField(max_length=100, null=True, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    gender = models.ForeignKey(Gender, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    document_number = models.CharField(max_length=32)
    phone = PhoneNumberField(null=True, blank=True)
    cell_phone = PhoneNumberField(null=True, blank=True)
    email = models.EmailField(max_length=254, null=True, blank=True)
    eps = models.ForeignKey(Eps, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    habeas_data = models.BooleanField(default=False)
    custom_fields = models.JSONField(default=dict, blank=True, validators=[custom_fields_validator])
    name_search = models.GeneratedField(
        expression=NameSearch("first_name", "second_name", "first_last_name", "second_last_name"),
        output_field=TextField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        base_manager_name = "objects"  # related access and save() carry the tenant too
        ordering = ("id",)
        permissions = [("export_patient", "Can export patients")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "id"], name="patients_patient_tenant_id_id_uniq"),
            models.UniqueConstraint(
                fields=["tenant", "document_type", "document_number"], name="patients_patient_document_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(custom_fields__isnull=False)
                & models.lookups.Exact(Func("custom_fields", function="jsonb_typeof"), "object"),
                name="patients_patient_custom_fields_object",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "phone"], name="patients_tenant_phone_idx"),
            models.Index(fields=["tenant", "cell_phone"], name="patients_tenant_cell_idx"),
            models.Index("tenant", Lower("email"), name="patients_tenant_email_idx"),
            models.Index(fields=["tenant", "updated_at"], name="patients_tenant_updated_idx"),
            # The name filter, through secre_patient_ids_by_name (patients/migrations/0007): a trigram
            # index RLS's security barrier would keep from LIKE; uuid in GIN needs btree_gin.
            GinIndex("tenant", OpClass("name_search", name="gin_trgm_ops"), name="patients_tenant_name_trgm"),
            # Its probe: the tenant's next rows in id order with their folded name, index-only.
            models.Index(fields=["tenant", "id"], include=["name_search"], name="patients_tenant_id_name_idx"),
        ]

    def __str__(self) -> str:
        # Ids only: object names end up in logs and admin messages.
        return f"patient {self.pk}"
