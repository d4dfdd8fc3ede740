"""A tool's JSON Schema (MCP ``inputSchema``) read off the DRF serializer that validates its arguments, so
the schema a language model sees and the validation it meets are one declaration."""

from __future__ import annotations

from typing import Any

from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers


def input_schema(serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """``{"type": "object", "properties": ..., "required": [...], "additionalProperties": false}`` of the
    serializer's writable fields, each with its ``help_text`` as ``description``."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field in serializer_class().fields.items():
        if field.read_only:
            continue
        properties[name] = field_schema(field)
        if field.required:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def field_schema(field: serializers.Field) -> dict[str, Any]:
    """One field's schema. Times stay plain strings: a naive local time is valid, and clients that
    validate ``format: date-time`` strictly would refuse it."""
    schema: dict[str, Any]
    if isinstance(field, serializers.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, serializers.ChoiceField):
        schema = {"type": "string", "enum": [str(choice) for choice in field.choices]}
    elif isinstance(field, serializers.IntegerField):
        schema = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
    elif isinstance(field, serializers.PrimaryKeyRelatedField):
        schema = {"type": "integer"}
    elif isinstance(field, serializers.UUIDField):
        schema = {"type": "string", "format": "uuid"}
    elif isinstance(field, serializers.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, serializers.DictField):
        schema = {"type": "object"}
    elif isinstance(field, PhoneNumberField):
        schema = {"type": "string"}
    elif isinstance(field, serializers.CharField):
        schema = {"type": "string"}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
    else:
        schema = {"type": "string"}
    if getattr(field, "allow_null", False):
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    if field.help_text:
        schema["description"] = str(field.help_text)
    return schema
