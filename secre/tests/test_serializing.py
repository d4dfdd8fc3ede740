"""secre/serializing.py: serializers whose fields are built once give what DRF's copies give.

* ``validating`` borrows a pooled set of fields: the same validated data and errors as a fresh
  serializer, ``partial`` and ``context`` are each serializer's own, two serializers in use at once
  never share a field, and a class that changes its fields in ``__init__`` keeps DRF's own copy.
* ``representation`` answers ``SerializerClass(instance).data``.
"""

from __future__ import annotations

import pytest
from rest_framework import serializers

from secre.serializing import representation, validating


class Zoned(serializers.Field):
    """Reads its serializer's context at validation, as InstantField reads the clinic's zone."""

    def to_internal_value(self, data):
        return f"{data}@{self.context['zone']}"

    def to_representation(self, value):
        return value


class Child(serializers.Serializer):
    code = serializers.CharField(max_length=4)


class Sample(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=0, required=False)
    at = Zoned()
    child = Child(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=3), required=False)


class Trimmed(Sample):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("tags")


def _fresh(data, **kwargs):
    serializer = Sample(data=data, **kwargs)
    valid = serializer.is_valid()
    return valid, (serializer.validated_data if valid else serializer.errors)


@pytest.mark.parametrize(
    "data",
    [
        {"name": "ana", "count": 3, "at": "9:00", "child": {"code": "ab"}, "tags": ["x", "y"]},
        {"name": "toolong", "count": -1, "at": "9:00", "child": {"code": "abcdef"}, "tags": ["long!"]},
        {"count": "x"},
        {},
    ],
)
def test_a_borrowed_serializer_validates_like_a_fresh_one(data):
    context = {"zone": "America/Bogota"}
    expected = _fresh(data, context=context)
    for _ in range(3):  # the first builds the pool's set, the next ones borrow it
        with validating(Sample, data=data, context=context) as serializer:
            valid = serializer.is_valid()
            assert (valid, serializer.validated_data if valid else serializer.errors) == expected


def test_partial_and_context_are_each_serializers_own():
    with validating(Sample, data={"at": "8:00"}, partial=True, context={"zone": "UTC"}) as partial:
        assert partial.is_valid(), partial.errors
        assert dict(partial.validated_data) == {"at": "8:00@UTC"}
    with validating(Sample, data={"at": "8:00"}, context={"zone": "Asia/Tokyo"}) as whole:
        assert not whole.is_valid()
        assert set(whole.errors) == {"name"}
    with validating(Sample, data={"name": "a", "at": "8:00"}, context={"zone": "Asia/Tokyo"}) as whole:
        assert whole.is_valid()
        assert whole.validated_data["at"] == "8:00@Asia/Tokyo"


def test_serializers_in_use_at_once_never_share_a_field():
    with validating(Sample, data={"name": "a", "at": "1"}, context={"zone": "A"}) as outer:
        with validating(Sample, data={"name": "b", "at": "2"}, context={"zone": "B"}) as inner:
            assert not {id(f) for f in outer.fields.values()} & {id(f) for f in inner.fields.values()}
            assert inner.is_valid() and inner.validated_data["at"] == "2@B"
        assert outer.is_valid() and outer.validated_data["at"] == "1@A"
        assert all(field.parent is outer for field in outer.fields.values())
    with validating(Sample, data={"name": "c", "at": "3"}, context={"zone": "C"}) as again:
        reused = {id(f) for f in again.fields.values()}
        assert reused in ({id(f) for f in outer.fields.values()}, {id(f) for f in inner.fields.values()})
        assert all(field.parent is again for field in again.fields.values())
        assert again.is_valid() and again.validated_data["at"] == "3@C"


def test_a_class_that_changes_its_fields_keeps_drfs_copy():
    for _ in range(2):
        with validating(Trimmed, data={"name": "a", "at": "1", "tags": ["x"]}, context={"zone": "Z"}) as serializer:
            assert "tags" not in serializer.fields
            assert serializer.is_valid()
            assert "tags" not in serializer.validated_data
    with validating(Sample, data={"name": "a", "at": "1", "tags": ["x"]}, context={"zone": "Z"}) as serializer:
        assert "tags" in serializer.fields


def test_representation_is_the_serializers_data():
    class Thing:
        name = "ana"
        count = 2
        at = "t"
        child = {"code": "ab"}
        tags = ["x"]

    assert representation(Sample, Thing()) == Sample(Thing()).data
    assert representation(Sample, Thing()) == Sample(Thing()).data  # the reader, reused
