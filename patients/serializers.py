"""Wire shapes of patients: camelCase fields of seed 000's Patient, and the list filters."""

from __future__ import annotations

import datetime

from django.core.validators import RegexValidator
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from patients.models import DocumentType, Eps, Gender
from secre.custom_fields import validate_custom_fields
from secre.fields import BoundedDateTimeField, ReferenceField, StrictIntegerField
from secre.serializing import representation

DOCUMENT_NUMBER = RegexValidator(
    r"^[A-Za-z0-9-]{1,32}$", "Letters, digits and hyphens only (at most 32).", code="invalid_document_number"
)


def validate_birth_date(value: datetime.date | None) -> datetime.date | None:
    if value is not None and not datetime.date(1900, 1, 1) <= value <= datetime.date.today():
        raise serializers.ValidationError("Must be between 1900-01-01 and today.", code="out_of_range")
    return value


class PatientSerializer(serializers.Serializer):
    """A patient as the API shows and accepts it (responses always camelCase).

    Required on create: firstName, firstLastName, documentTypeId, documentNumber. Phones are
    answered in E.164; national numbers are read in ``PHONE_DEFAULT_REGION`` (CO).
    """

    id = serializers.UUIDField(read_only=True)
    firstName = serializers.CharField(source="first_name", max_length=100)
    secondName = serializers.CharField(
        source="second_name", max_length=100, required=False, allow_null=True, allow_blank=True
    )
    firstLastName = serializers.CharField(source="first_last_name", max_length=100)
    secondLastName = serializers.CharField(
        source="second_last_name", max_length=100, required=False, allow_null=True, allow_blank=True
    )
    birthDate = serializers.DateField(
        source="birth_date", required=False, allow_null=True, validators=[validate_birth_date]
    )
    genderId = ReferenceField(
        source="gender", queryset=Gender.objects.filter(is_active=True), required=False, allow_null=True
    )
    documentTypeId = ReferenceField(source="document_type", queryset=DocumentType.objects.filter(is_active=True))
    documentNumber = serializers.CharField(source="document_number", max_length=32, validators=[DOCUMENT_NUMBER])
    phone = PhoneNumberField(required=False, allow_null=True, allow_blank=True)
    cellPhone = PhoneNumberField(source="cell_phone", required=False, allow_null=True, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_null=True, allow_blank=True)
    epsId = ReferenceField(source="eps", queryset=Eps.objects.filter(is_active=True), required=False, allow_null=True)
    habeasData = serializers.BooleanField(source="habeas_data", required=False)
    customFields = serializers.DictField(source="custom_fields", required=False, validators=[validate_custom_fields])
    createdAt = BoundedDateTimeField(source="created_at", read_only=True)
    updatedAt = BoundedDateTimeField(source="updated_at", read_only=True)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        # Blank optional text means "no value": store NULL, answer null.
        for attr in ("second_name", "second_last_name", "phone", "cell_phone", "email"):
            if values.get(attr) == "":
                values[attr] = None
        if values.get("email"):
            values["email"] = values["email"].lower()
        return values


def patient_representation(patient) -> dict:
    """``PatientSerializer(patient).data`` (the API's camelCase patient) through one reader's fields
    (secre/serializing.py: DRF would deep-copy every field for each patient); a test compares the two."""
    return representation(PatientSerializer, patient)


def patient_representations(patients) -> list[dict]:
    """:func:`patient_representation` of each patient (a page), in order."""
    return [patient_representation(patient) for patient in patients]


class PatientFilterSerializer(serializers.Serializer):
    """List/search filters: query string of GET /v1/patients, or the body of POST /v1/patients/search."""

    documentTypeId = StrictIntegerField(required=False, min_value=1, max_value=32767)
    documentNumber = serializers.CharField(required=False, max_length=32)
    email = serializers.CharField(required=False, max_length=254)
    phone = PhoneNumberField(required=False)
    name = serializers.CharField(required=False, max_length=200)
    updatedSince = BoundedDateTimeField(required=False)
    pageSize = StrictIntegerField(required=False, min_value=1, max_value=100)


class ReferenceDataSerializer(serializers.Serializer):
    """A catalogue row: ``{"id": 1, "code": "CC", "name": "Cédula de ciudadanía"}``."""

    id = StrictIntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
