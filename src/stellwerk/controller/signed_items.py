"""Signed items at the Controller's item API (js7-reference §1.1).

When the Controller trusts signing certificates (`[signing] trusted-certificates`), workflows and job
resources are accepted only as `{"TYPE": "AddOrChangeSigned", "signed": {"string": "<item json>",
"signature": {...}}}` operations whose signature `stellwerk.trust.signatures.verify` trusts; an unsigned one,
or one whose text or signature was changed, refuses the whole UpdateItems. Other kinds stay unsigned, as in
JS7. Without trusted certificates nothing is verified, and a signed operation is refused for that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import msgspec
from cryptography import x509

from stellwerk.controller.items import AddOrChange, Delete, UpdateItems
from stellwerk.model import item_events as ie
from stellwerk.model.items import JobResource
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow
from stellwerk.trust.signatures import SignedItem, verify

SignableItem = Workflow | JobResource

_signable_decoder = msgspec.json.Decoder(SignableItem)


class AddOrChangeSigned(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="AddOrChangeSigned"):
    signed: SignedItem


class UpdateItemsRequest(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="UpdateItems"):
    """UpdateItems as the item API receives it: an operation may be a signed item."""

    operations: tuple[AddOrChange | AddOrChangeSigned | Delete, ...]


def load_trusted_certificates(paths: Sequence[Path]) -> list[x509.Certificate]:
    """Every certificate in the PEM files; raises ValueError naming a file that holds none or cannot be read."""
    certificates: list[x509.Certificate] = []
    for path in paths:
        try:
            found = x509.load_pem_x509_certificates(path.read_bytes())
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: no trusted certificate can be read from it: {error}") from None
        certificates += found
    return certificates


def verified_update(
    request: UpdateItemsRequest, trusted: Sequence[x509.Certificate], now: datetime
) -> UpdateItems | Problem:
    """The request as plain UpdateItems, each signed item verified and decoded; or the first operation's Problem."""
    operations: list[AddOrChange | Delete] = []
    for operation in request.operations:
        checked = _checked(operation, trusted, now)
        if isinstance(checked, Problem):
            return checked
        operations.append(checked)
    return UpdateItems(operations=tuple(operations))


def _checked(
    operation: AddOrChange | AddOrChangeSigned | Delete, trusted: Sequence[x509.Certificate], now: datetime
) -> AddOrChange | Delete | Problem:
    if isinstance(operation, Delete):
        return operation
    if isinstance(operation, AddOrChange):
        if trusted and isinstance(operation.item, SignableItem):
            return Problem(
                f"{ie.item_key(operation.item)} is not signed: this Controller accepts workflows and job "
                "resources only as AddOrChangeSigned with a signature by a trusted certificate"
            )
        return operation
    if not trusted:
        return Problem(
            "A signed item cannot be verified: this Controller trusts no signing certificate "
            "([signing] trusted-certificates)"
        )
    text = verify(operation.signed, list(trusted), now)
    if isinstance(text, Problem):
        return text
    try:
        return AddOrChange(item=_signable_decoder.decode(text))
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        return Problem(f"The signed item is not a workflow or job resource: {error}")
