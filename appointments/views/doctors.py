"""Doctors (FHIR Practitioner) under /v1/doctors."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from appointments import selectors, services
from appointments.queries import DoctorFilterSerializer
from appointments.serializers import (
    DoctorSerializer,
)
from appointments.views import schema
from appointments.views.common import (
    doctor_by_path,
)
from secre.dialects import validated_body, validated_query
from secre.pagination import StablePagination
from secre.path_params import uuid_param


@schema.DOCTOR_VIEW
class DoctorViewSet(viewsets.ViewSet):
    """Doctors of the tenant (FHIR Practitioner), identified by document like patients."""

    lookup_value_regex = "[^/]+"

    def list(self, request):
        filters = validated_query(request, DoctorFilterSerializer, paged=True)
        paginator = StablePagination()
        page = paginator.paginate_queryset(selectors.doctor_list(filters=filters), request, view=self)
        return paginator.get_paginated_response(DoctorSerializer(page, many=True).data)

    def create(self, request):
        data = validated_body(request, DoctorSerializer)
        doctor = services.doctor_create(tenant=request.tenant, data=data)
        return Response(DoctorSerializer(doctor).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk: str):
        validated_query(request)
        return Response(DoctorSerializer(selectors.doctor_get(doctor_id=uuid_param(pk))).data)

    def partial_update(self, request, pk: str):
        doctor = selectors.doctor_get(doctor_id=uuid_param(pk))
        data = validated_body(request, DoctorSerializer, partial=True)
        return Response(DoctorSerializer(services.doctor_update(doctor=doctor, data=data)).data)

    def destroy(self, request, pk: str):
        services.doctor_delete(doctor=selectors.doctor_get(doctor_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @schema.DOCTOR_BY_DOCUMENT
    @action(detail=False, methods=["get"], url_path=r"by-document/(?P<documentTypeId>[^/]+)/(?P<documentNumber>[^/]+?)")
    def by_document(self, request, documentTypeId: str, documentNumber: str):
        validated_query(request)
        return Response(DoctorSerializer(doctor_by_path(documentTypeId, documentNumber)).data)
