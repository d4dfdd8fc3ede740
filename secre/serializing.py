"""DRF serializers without rebuilding their fields on every use.

DRF deep-copies every declared field each time a serializer is made (``Serializer.get_fields``), so
that an instance may change its own fields. Ours never do, and the copy is most of a small request's
serializer cost: an appointment's 30 fields, with the querysets of its reference fields, cost about
as much to copy as to validate. Two ways around it, each giving what DRF gives by construction (the
same field classes and code run, only the copying is skipped):

* :func:`representation` — ``SerializerClass(instance).data`` through one reader per class, whose bound
  fields only read (``to_representation``); for serializers whose output needs no context.
* :func:`validating` — a serializer for ``is_valid()`` whose fields are borrowed from a pool of earlier
  copies and given it as their parent (hence ``context``, ``root`` and ``partial`` are the new
  serializer's; names, labels and sources stay as the first ``Field.bind`` set them), returned to
  the pool when the block ends. A borrowed set serves one serializer at a time, so threaded workers
  and nested uses are safe. Classes that build or change their fields themselves (an ``__init__``
  touching ``self.fields``, their own ``get_fields``) get DRF's copy as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

_readers: dict[type[serializers.Serializer], serializers.Serializer] = {}
_pools: dict[type[serializers.Serializer], list[dict[str, serializers.Field]]] = {}
_lock = threading.Lock()


def representation(serializer_class: type[serializers.Serializer], instance: Any) -> dict[str, Any]:
    """``serializer_class(instance).data`` as a plain dict (the same keys, values and order), with the
    fields built once per process. Only for serializers whose ``to_representation`` reads no
    ``context`` (the reader has none)."""
    reader = _readers.get(serializer_class)
    if reader is None:
        reader = serializer_class()
        reader.fields  # noqa: B018 (bind the fields now, once)
        with _lock:
            reader = _readers.setdefault(serializer_class, reader)
    return reader.to_representation(instance)


@contextmanager
def validating(serializer_class: type[serializers.Serializer], **kwargs: Any) -> Iterator[serializers.Serializer]:
    """``serializer_class(**kwargs)`` (``data``, ``partial``, ``context``) for the block, its fields
    borrowed (see the module). Read ``validated_data`` or ``errors`` inside the block."""
    serializer = serializer_class(**kwargs)
    if not _borrowable(serializer):
        yield serializer
        return
    pool = _pools.setdefault(serializer_class, [])
    try:
        fields = pool.pop()
    except IndexError:
        fields = dict(serializer.fields.fields)  # DRF's own copy, kept for the next one
    else:
        # Field.bind once set each field's name, label and source (it refuses to run twice); only the
        # parent changes, and with it context, root and partial.
        bound = BindingDict(serializer)
        bound.fields.update(fields)
        for field in fields.values():
            field.parent = serializer
        serializer.__dict__["fields"] = bound  # DRF's cached_property, filled
    try:
        yield serializer
    finally:
        pool.append(fields)


def _borrowable(serializer: serializers.Serializer) -> bool:
    cls = type(serializer)
    return (
        isinstance(serializer, serializers.Serializer)
        and not isinstance(serializer, serializers.ModelSerializer)
        and cls.get_fields is serializers.Serializer.get_fields
        and "fields" not in serializer.__dict__  # its __init__ built (and may have changed) them
    )
