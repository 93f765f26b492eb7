"""The `--order SPEC` of `stellwerk run`: which orders to add, parsed strictly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec

from stellwerk.model.problems import Problem


class OrderSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    workflow_name: str
    order_id: str | None = None
    arguments: dict[str, Any] = {}
    scheduled_for: str | int | None = None
    delay_seconds: float | None = None


_decoder = msgspec.json.Decoder(OrderSpec, float_hook=lambda text: Decimal(text))


def parse_order_spec(text: str) -> OrderSpec | Problem:
    try:
        spec = _decoder.decode(text.encode())
    except msgspec.ValidationError as error:
        return Problem(f"--order: {error}")
    except msgspec.DecodeError as error:
        return Problem(f"--order: malformed JSON: {error}")
    if isinstance(spec.scheduled_for, str) and isinstance(scheduled_millis(spec, 0), Problem):
        return Problem(f"--order: $.scheduledFor: not an ISO-8601 instant: {spec.scheduled_for!r}")
    return spec


def scheduled_millis(spec: OrderSpec, now: int) -> int | None | Problem:
    """scheduledFor as epoch ms (ISO-8601 text without zone means UTC), or now + delaySeconds."""
    if spec.delay_seconds is not None:
        return now + int(spec.delay_seconds * 1000)
    match spec.scheduled_for:
        case int():
            return spec.scheduled_for
        case str():
            try:
                parsed = datetime.fromisoformat(spec.scheduled_for.replace("Z", "+00:00"))
            except ValueError:
                return Problem(f"not an ISO-8601 instant: {spec.scheduled_for!r}")
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return int(parsed.timestamp() * 1000)
    return None
