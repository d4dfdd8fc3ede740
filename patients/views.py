"""Patients API under /v1 (thin: validate, call a service or selector, serialize)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from patients import selectors, services
from patients.serializers import (
    PatientFilterSerializer,
    PatientSerializer,
    ReferenceDataSerializer,
    patient_representation,
    patient_representations,
)
from secre.dialects import validated_body, validated_query
from secre.openapi import COMMON_ERRORS, NOT_FOUND, VALIDATION, document_path_parameters, paged, problem
from secre.pagination import StablePagination
from secre.path_params import document_type_param, uuid_param
from tenants.scopes import READ

EVENT_TYPE = "PATIENT"
PATIENT_EXISTS = problem("patient_exists: a patient with this document exists; existingPatientId names it.")

SEED_001_CREATE = OpenApiExample(
    "seed 001 README (snake_case)",
    request_only=True,
    value={
        "first_name": "Juan",
        "first_last_name": "Pérez",
        "birth_date": "1990-05-15",
        "gender_id": 1,
        "document_type_id": 1,
        "document_number": "12345678",
        "phone": "3001234567",
        "email": "juan.perez@example.com",
    },
)
SEED_000_CREATE = OpenApiExample(
    "seed 000 n8n tool (camelCase with envelope)",
    request_only=True,
    value={
        "eventType": "PATIENT",
        "actionType": "CREATE",
        "firstName": "María",
        "secondName": "José",
        "firstLastName": "Gómez",
        "secondLastName": "Ruiz",
        "birthDate": "1985-03-02",
        "genderId": 2,
        "documentTypeId": 1,
        "documentNumber": "52123456",
        "phone": "6015551234",
        "cellPhone": "3109876543",
        "email": "maria.gomez@example.com",
        "epsId": 10,
        "habeasData": True,
        "customFields": {"preferredChannel": "whatsapp"},
    },
)
SEED_000_UPDATE = OpenApiExample(
    "seed 000 n8n tool update",
    request_only=True,
    value={"eventType": "PATIENT", "actionType": "UPDATE", "cellPhone": "3001112233", "customFields": {"vip": True}},
)
DOCUMENT_PARAMETERS = document_path_parameters("The patient's")
FILTER_PARAMETERS = [
    OpenApiParameter("documentTypeId", OpenApiTypes.INT, description="Exact document type (with documentNumber)."),
    OpenApiParameter("documentNumber", OpenApiTypes.STR, description="Exact document number."),
    OpenApiParameter("email", OpenApiTypes.STR, description="Email, case-insensitive exact."),
    OpenApiParameter("phone", OpenApiTypes.STR, description="Phone or cell phone, any format; compared in E.164."),
    OpenApiParameter("name", OpenApiTypes.STR, description="Contained in any name part; accent- and case-insensitive."),
    OpenApiParameter("updatedSince", OpenApiTypes.DATETIME, description="RFC 3339; updatedAt at or after it."),
    OpenApiParameter("pageSize", OpenApiTypes.INT, description="1-100, default 20."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque cursor from a next/previous link."),
]


@extend_schema_view(
    list=extend_schema(
        summary="List patients",
        parameters=FILTER_PARAMETERS,
        responses={200: paged(PatientSerializer), 400: VALIDATION, **COMMON_ERRORS},
    ),
    create=extend_schema(
        summary="Create a patient",
        request=PatientSerializer,
        examples=[SEED_001_CREATE, SEED_000_CREATE],
        responses={201: PatientSerializer, 400: VALIDATION, 409: PATIENT_EXISTS, **COMMON_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get a patient",
        responses={200: PatientSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Update a patient (only the fields given; null clears; customFields merged per RFC 7396)",
        request=PatientSerializer,
        examples=[SEED_000_UPDATE],
        responses={200: PatientSerializer, 400: VALIDATION, 404: NOT_FOUND, 409: PATIENT_EXISTS, **COMMON_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a patient",
        responses={
            204: None,
            400: VALIDATION,
            404: NOT_FOUND,
            409: problem("patient_has_appointments: clinical records are kept."),
            **COMMON_ERRORS,
        },
    ),
)
class PatientViewSet(viewsets.ViewSet):
    """Patients of the caller's tenant. Fields: seed 000 Patient (camelCase answers; camelCase or
    snake_case accepted). Another tenant's patient is a 404, exactly like a missing one."""

    lookup_value_regex = "[^/]+"
    # Searching by body is a read.
    required_scopes = {"search": READ}

    def list(self, request):
        filters = validated_query(request, PatientFilterSerializer, paged=True)
        return self._page(request, filters)

    def create(self, request):
        data = validated_body(request, PatientSerializer, event_type=EVENT_TYPE, allowed_actions={"CREATE"})
        patient = services.patient_create(tenant=request.tenant, data=data)
        return Response(patient_representation(patient), status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk: str):
        validated_query(request)
        patient = selectors.patient_get(patient_id=uuid_param(pk))
        return Response(patient_representation(patient))

    def partial_update(self, request, pk: str):
        patient = selectors.patient_get(patient_id=uuid_param(pk))
        data = validated_body(
            request, PatientSerializer, event_type=EVENT_TYPE, allowed_actions={"UPDATE"}, partial=True
        )
        patient = services.patient_update(patient=patient, data=data)
        return Response(patient_representation(patient))

    def destroy(self, request, pk: str):
        services.patient_delete(patient=selectors.patient_get(patient_id=uuid_param(pk)))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="Find a patient by document",
        parameters=DOCUMENT_PARAMETERS,
        responses={200: PatientSerializer, 400: VALIDATION, 404: NOT_FOUND, **COMMON_ERRORS},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Create or update a patient by document (201 created, 200 updated)",
        parameters=DOCUMENT_PARAMETERS,
        request=PatientSerializer,
        examples=[SEED_000_UPDATE],
        responses={
            200: PatientSerializer,
            201: PatientSerializer,
            400: VALIDATION,
            409: PATIENT_EXISTS,
            **COMMON_ERRORS,
        },
    )
    @action(
        detail=False,
        methods=["get", "put"],
        url_path=r"by-document/(?P<documentTypeId>[^/]+)/(?P<documentNumber>[^/]+?)",
        url_name="by-document",
    )
    def by_document(self, request, documentTypeId: str, documentNumber: str):
        document_type_id = document_type_param(documentTypeId)
        if request.method == "GET":
            validated_query(request)
            patient = selectors.patient_get_by_document(
                document_type_id=document_type_id, document_number=documentNumber
            )
            return Response(patient_representation(patient))
        existing = selectors.patient_find_by_document(document_type_id=document_type_id, document_number=documentNumber)
        # The document comes from the URL; the body may repeat it but not contradict it.
        data = validated_body(
            request,
            PatientSerializer,
            event_type=EVENT_TYPE,
            allowed_actions={"CREATE", "UPDATE"},
            partial=existing is not None,
            defaults={"documentTypeId": document_type_id, "documentNumber": documentNumber},
        )
        if data["document_type"].pk != document_type_id or data["document_number"] != documentNumber:
            raise ValidationError({"documentNumber": ["Must match the document in the URL."]}, code="mismatch")
        patient, created = services.patient_upsert_by_document(
            tenant=request.tenant, document_type_id=document_type_id, document_number=documentNumber, data=data
        )
        return Response(
            patient_representation(patient), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        summary="Search patients with the filters in a JSON body (keeps personal data out of URLs)",
        request=PatientFilterSerializer,
        examples=[OpenApiExample("by phone", request_only=True, value={"phone": "3001234567", "pageSize": 10})],
        responses={200: paged(PatientSerializer), 400: VALIDATION, **COMMON_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="search")
    def search(self, request):
        filters = validated_body(request, PatientFilterSerializer)
        return self._page(request, filters, page_size=filters.get("pageSize"))

    def _page(self, request, filters, page_size=None):
        paginator = StablePagination(page_size=page_size)
        queryset = selectors.patient_list(filters=filters, window=paginator.forward_window(request))
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(patient_representations(page))


class ReferenceDataViewSet(viewsets.ViewSet):
    """Read-only reference data (global, identical for every tenant)."""

    selector = None

    @extend_schema(responses={200: ReferenceDataSerializer(many=True), **COMMON_ERRORS})
    def list(self, request):
        validated_query(request)
        return Response(ReferenceDataSerializer(type(self).selector(), many=True).data)


class DocumentTypeViewSet(ReferenceDataViewSet):
    """Identity document types (1 = CC, 2 = TI, 3 = CE, 4 = PA, 5 = RC, 6 = NIT, ...)."""

    selector = staticmethod(selectors.document_type_list)


class GenderViewSet(ReferenceDataViewSet):
    """Genders (1 = M, 2 = F, 3 = I, 4 = ND)."""

    selector = staticmethod(selectors.gender_list)


class EpsViewSet(ReferenceDataViewSet):
    """EPS: Colombian health insurers, with their Supersalud codes."""

    selector = staticmethod(selectors.eps_list)
