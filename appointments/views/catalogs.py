"""Catalogs under /v1/lookups: modalities, appointment types, clinics, specialties."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from appointments import selectors, services
from appointments.catalogs import appointment_type_entry, catalog_entries
from appointments.serializers import (
    AppointmentTypeSerializer,
    CatalogEntrySerializer,
    ClinicSerializer,
    SpecialtySerializer,
)
from appointments.views import schema
from secre.dialects import validated_body, validated_query


class CatalogViewSet(viewsets.ViewSet):
    """A string catalog: built-in defaults plus the tenant's own codes."""

    kind = ""

    def list(self, request):
        validated_query(request)
        return Response(CatalogEntrySerializer(catalog_entries(self.kind), many=True).data)

    def create(self, request):
        data = validated_body(request, CatalogEntrySerializer)
        entry = services.catalog_entry_create(tenant=request.tenant, kind=self.kind, **data)
        return Response(
            CatalogEntrySerializer({"code": entry.code, "name": entry.name, "isDefault": False}).data,
            status=status.HTTP_201_CREATED,
        )


@schema.CATALOG_VIEW
class ModalityViewSet(CatalogViewSet):
    """Modalities (defaults presencial, virtual, domiciliaria)."""

    kind = "modality"


@schema.APPOINTMENT_TYPE_VIEW
class AppointmentTypeViewSet(viewsets.ViewSet):
    """Appointment types: every clinic's defaults (primera_vez, control) and its own, each with an
    optional duration and buffers (appointments/availability.py). Addressed by ``code``."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def list(self, request):
        validated_query(request)
        return Response(AppointmentTypeSerializer(catalog_entries("appointment_type"), many=True).data)

    def create(self, request):
        data = validated_body(request, AppointmentTypeSerializer)
        entry = services.catalog_entry_create(tenant=request.tenant, kind="appointment_type", **_type_fields(data))
        return Response(AppointmentTypeSerializer(appointment_type_entry(entry)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, code: str):
        entry = selectors.appointment_type_get(code=code)
        data = validated_body(request, AppointmentTypeSerializer, partial=True)
        if "code" in data and data["code"] != entry.code:
            raise ValidationError({"code": ["The code cannot change (appointments store it)."]}, code="invalid")
        fields = _type_fields(data)
        fields.pop("code", None)
        entry = services.catalog_entry_update(entry=entry, **fields)
        return Response(AppointmentTypeSerializer(appointment_type_entry(entry)).data)

    def destroy(self, request, code: str):
        services.catalog_entry_delete(entry=selectors.appointment_type_get(code=code))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _type_fields(data: dict) -> dict:
    names = {
        "durationMinutes": "duration_minutes",
        "bufferBeforeMinutes": "buffer_before_minutes",
        "bufferAfterMinutes": "buffer_after_minutes",
    }
    return {names.get(key, key): value for key, value in data.items()}


@schema.SPECIALTY_VIEW
class SpecialtyViewSet(viewsets.ViewSet):
    """The specialties of the clinic's active doctors, with their doctor counts."""

    def list(self, request):
        validated_query(request)
        return Response(SpecialtySerializer(selectors.specialty_list(), many=True).data)


@schema.CLINIC_VIEW
class ClinicViewSet(viewsets.ViewSet):
    """The tenant's places of care; an appointment's clinicId is one of their ids."""

    def list(self, request):
        validated_query(request)
        return Response(ClinicSerializer(selectors.clinic_list(), many=True).data)

    def create(self, request):
        data = validated_body(request, ClinicSerializer)
        clinic = services.clinic_create(tenant=request.tenant, name=data["name"], address=data.get("address"))
        return Response(ClinicSerializer(clinic).data, status=status.HTTP_201_CREATED)
