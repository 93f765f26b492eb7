"""The plug-in point for identity services: an `IdentityProvider` verifies an account's name and password and
answers with the account's facts (`Identity`) or why not (`Refusal`). The Cockpit's login tries the enabled
services by their ordering; each service is served by the provider of its type."""

from __future__ import annotations

from typing import Protocol

import msgspec


class Identity(msgspec.Struct, frozen=True, kw_only=True):
    """A verified account: `roles` None means the roles stored in the Cockpit for the account hold; a tuple
    gives the roles the identity service itself assigns (e.g. LDAP groups mapped to roles)."""

    name: str
    roles: tuple[str, ...] | None = None
    email: str | None = None


class Refusal(msgspec.Struct, frozen=True, kw_only=True):
    """Why an account was not verified; `known` tells whether the service knows the account (only then a
    wrong password counts as a failed login)."""

    reason: str
    known: bool = False


class IdentityProvider(Protocol):
    """Verifies accounts of one identity service."""

    async def verify(self, name: str, password: str) -> Identity | Refusal:
        """The account's facts when `password` is its password, else why not."""
        ...
