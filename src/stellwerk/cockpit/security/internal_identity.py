"""The internal identity service (type `JOC`): accounts and their argon2 hashes in the Cockpit's database."""

from __future__ import annotations

from stellwerk.cockpit.db.repositories.identity import IdentityRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.security.identity_provider import Identity, Refusal
from stellwerk.cockpit.security.passwords import password_matches


class InternalIdentityProvider:
    """Verifies a password against the stored hash of the account in service `service`."""

    def __init__(self, database: Database, service: str) -> None:
        self._database = database
        self._service = service

    async def verify(self, name: str, password: str) -> Identity | Refusal:
        async with self._database.session() as db:
            account = await IdentityRepository(db).account(self._service, name)
        if account is None:
            return Refusal(reason=f"{self._service}: no account {name}")
        if not password_matches(account.password_hash, password):
            return Refusal(reason=f"{self._service}: wrong password", known=True)
        return Identity(name=name, email=account.email)
