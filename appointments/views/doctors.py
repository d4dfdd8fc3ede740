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
    serializer_context,
)
from secre.dialects import validated_body, validated_query
from secre.pagination import StablePagination
from secre.path_params import uuid_param

AVAILABLE_ON_MAX_PAGE = 50


@schema.DOCTOR_VIEW
class DoctorViewSet(viewsets.ViewSet):
    """Doctors of the tenant (FHIR Practitioner), identified by document like patients."""

    lookup_value_regex = "[^/]+"

    def list(self, request):
        filters = validated_query(request, DoctorFilterSerializer, paged=True, context=serializer_context(request))
        if "availableOn" in filters:
            return self._available_on(request, filters)
        paginator = StablePagination()
        page = paginator.paginate_queryset(selectors.doctor_list(filters=filters), request, view=self)
        return paginator.get_paginated_response(DoctorSerializer(page, many=True).data)

    def _available_on(self, request, filters):
        """Doctors with a free slot on ``availableOn``, each with its ``firstFreeSlot``: doctors are read
        in id order a page at a time and kept when they have one, so a page holds at most ``pageSize``
        (≤ 50) and ``next`` continues after the last doctor read."""
        paginator = StablePagination(max_page_size=AVAILABLE_ON_MAX_PAGE)
        page_size = paginator.get_page_size(request)
        last_read = paginator.position(request)
        candidates = selectors.doctor_list(filters={**filters, "isActive": True})
        found, first_free, exhausted = [], {}, False
        while len(found) < page_size:
            remaining = candidates.filter(pk__gt=last_read) if last_read is not None else candidates
            batch = list(remaining[:AVAILABLE_ON_MAX_PAGE])
            slots = selectors.doctors_first_free_slots(
                tenant=request.tenant,
                doctors=batch,
                day=filters["availableOn"],
                appointment_type=filters.get("appointmentType"),
            )
            for doctor in batch:
                last_read = doctor.pk
                if doctor.pk in slots:
                    found.append(doctor)
                    first_free[doctor.pk] = slots[doctor.pk]
                    if len(found) == page_size:
                        break
            if len(batch) < AVAILABLE_ON_MAX_PAGE and (not batch or last_read == batch[-1].pk):
                exhausted = True
                break
        context = {"zone": request.tenant.zone, "first_free_slots": first_free}
        results = DoctorSerializer(found, many=True, context=context).data
        return Response(
            {"results": results, "next": None if exhausted else paginator.link_after(last_read), "previous": None}
        )

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
