"""GET /v1/audit-events: the tenant's own trail (scope admin)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets

from audit.selectors import audit_event_list
from audit.serializers import AuditEventFilterSerializer, AuditEventSerializer
from secre.dialects import validated_query
from secre.openapi import COMMON_ERRORS, VALIDATION, paged, problem
from secre.pagination import StablePagination
from tenants.scopes import ADMIN


class AuditEventViewSet(viewsets.ViewSet):
    """Who changed what in this tenant, newest first. Personal values are masked."""

    required_scopes = {"*": ADMIN}

    @extend_schema(
        summary="The tenant's audit trail",
        parameters=[
            OpenApiParameter("objectType", OpenApiTypes.STR, description="patient, appointment, doctor, ..."),
            OpenApiParameter("objectId", OpenApiTypes.STR),
            OpenApiParameter("apiKeyId", OpenApiTypes.UUID),
            OpenApiParameter("action", OpenApiTypes.STR, enum=["create", "update", "delete"]),
            OpenApiParameter("start", OpenApiTypes.DATETIME),
            OpenApiParameter("end", OpenApiTypes.DATETIME),
            OpenApiParameter("pageSize", OpenApiTypes.INT),
        ],
        responses={
            200: paged(AuditEventSerializer),
            400: VALIDATION,
            403: problem("permission_denied (missingScope admin)."),
            **COMMON_ERRORS,
        },
    )
    def list(self, request):
        filters = validated_query(request, AuditEventFilterSerializer, paged=True)
        paginator = StablePagination(ordering="-timestamp")
        page = paginator.paginate_queryset(audit_event_list(filters=filters), request, view=self)
        return paginator.get_paginated_response(AuditEventSerializer(page, many=True).data)
