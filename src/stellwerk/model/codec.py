"""The one place that builds encoders and decoders for engine JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from stellwerk.model.events import Event, KeyedEvent

_encoder = msgspec.json.Encoder(decimal_format="number")
_event_decoder = msgspec.json.Decoder(Event, float_hook=Decimal)
_object_decoder = msgspec.json.Decoder(dict[str, Any], float_hook=Decimal)


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value, builtin_types=(Decimal,))


def encode_keyed_event(keyed: KeyedEvent, **extra: Any) -> bytes:
    """{"Key": …, "TYPE": …, fields…} as JS7 writes keyed events; `extra` (e.g. eventId) goes first."""
    body = to_builtins(keyed.event)
    return _encoder.encode({**extra, "Key": keyed.key, **body})


def decode_keyed_event(data: bytes | str) -> KeyedEvent:
    """The inverse of `encode_keyed_event`; numbers keep all their digits (decimals, never through float).
    A Key that is not a string is a ValidationError, as any other field of the wrong type."""
    raw = _object_decoder.decode(data)
    key = _key(raw.pop("Key", ""))
    for extra in ("eventId", "timestamp"):
        raw.pop(extra, None)
    return KeyedEvent(key, _event_decoder.decode(_encoder.encode(raw)))


def _key(value: Any) -> str:
    try:
        return msgspec.convert(value, str)
    except msgspec.ValidationError as error:
        raise msgspec.ValidationError(f"{error} - at `$.Key`") from None
