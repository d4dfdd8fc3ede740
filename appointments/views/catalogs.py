"""Catalogs under /v1/lookups: modalities, appointment types, clinics."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.response import Response

from appointments import selectors, services
from appointments.catalogs import catalog_entries
from appointments.serializers import (
    CatalogEntrySerializer,
    ClinicSerializer,
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


@schema.CATALOG_VIEW
class AppointmentTypeViewSet(CatalogViewSet):
    """Appointment types (defaults primera_vez, control)."""

    kind = "appointment_type"


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
