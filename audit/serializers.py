"""Wire shape of the audit trail."""

from rest_framework import serializers

from secre.fields import BoundedDateTimeField

ACTIONS = {0: "create", 1: "update", 2: "delete", 3: "access"}


class AuditEventSerializer(serializers.Serializer):
    """One change: what (objectType/objectId), how (action, changed fields with masked values), who
    (apiKeyId or actorId), when (timestamp, UTC) and which request (requestId)."""

    id = serializers.UUIDField()
    timestamp = BoundedDateTimeField()
    action = serializers.SerializerMethodField()
    objectType = serializers.CharField(source="content_type.model")
    objectId = serializers.CharField(source="object_pk")
    objectRepr = serializers.CharField(source="object_repr")
    changes = serializers.JSONField(allow_null=True)
    apiKeyId = serializers.UUIDField(source="api_key_id", allow_null=True)
    actorId = serializers.UUIDField(source="actor_id", allow_null=True)
    requestId = serializers.CharField(source="request_id", allow_null=True)
    remoteAddr = serializers.IPAddressField(source="remote_addr", allow_null=True)
    origin = serializers.CharField()

    def get_action(self, event) -> str:
        return ACTIONS.get(event.action, str(event.action))


class AuditEventFilterSerializer(serializers.Serializer):
    objectType = serializers.CharField(required=False, max_length=100)
    objectId = serializers.CharField(required=False, max_length=255)
    apiKeyId = serializers.UUIDField(required=False)
    action = serializers.ChoiceField(required=False, choices=["create", "update", "delete"])
    start = BoundedDateTimeField(required=False)
    end = BoundedDateTimeField(required=False)
