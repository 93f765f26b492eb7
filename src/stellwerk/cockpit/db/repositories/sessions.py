"""Login sessions: an access token (random, given to the client once; only its SHA-256 is stored) that expires
after `timeout` milliseconds without use."""

from __future__ import annotations

import hashlib
import secrets

import msgspec
from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.tables import IamAccount, IamIdentityService, IamSession


class LoginSession(msgspec.Struct, frozen=True, kw_only=True):
    """A session, with its account."""

    id: int
    account_id: int
    account: str
    service: str
    created: int
    last_access: int
    expires: int
    timeout: int
    client: str | None


class OpenedSession(msgspec.Struct, frozen=True, kw_only=True):
    """A new session and its access token (the only time the token is known)."""

    token: str
    session: LoginSession


def token_hash(token: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def extended(found: LoginSession, now: int) -> LoginSession:
    """The session as it is after a use at `now`."""
    return msgspec.structs.replace(found, last_access=now, expires=now + found.timeout)


def needs_recording(found: LoginSession, now: int) -> bool:
    """Whether a use at `now` should be written: uses closer together than a twentieth of the timeout (at most
    5 s) are not, so a busy client does not write on every request; the session may then expire that much early."""
    return now - found.last_access >= min(found.timeout // 20, 5_000)


class SessionRepository:
    """Opening, finding, extending and closing sessions."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open(
        self, account_id: int, now: int, idle_limit: int, client: str | None = None
    ) -> OpenedSession:
        """A new session of the account, valid for `idle_limit` milliseconds after each use."""
        token = secrets.token_urlsafe(32)
        row = IamSession(
            token_hash=token_hash(token),
            account_id=account_id,
            created=now,
            last_access=now,
            expires=now + idle_limit,
            timeout=idle_limit,
            client=client,
        )
        self._session.add(row)
        await self._session.flush()
        found = await self._find(token)
        assert found is not None
        return OpenedSession(token=token, session=found)

    async def find(self, token: str, now: int) -> LoginSession | None:
        """The session of a token, None when it is unknown or expired."""
        found = await self._find(token)
        return found if found is not None and found.expires > now else None

    async def touch(self, token: str, now: int) -> LoginSession | None:
        """Uses the session: it expires `timeout` after now. None when it is unknown or expired."""
        found = await self.find(token, now)
        if found is None:
            return None
        await self.extend(found, now)
        return extended(found, now)

    async def extend(self, found: LoginSession, now: int) -> None:
        """Records a use of the session at `now`: it expires `timeout` after it."""
        await self._session.execute(
            update(IamSession)
            .where(IamSession.id == found.id)
            .values(last_access=now, expires=now + found.timeout)
        )

    async def expired(self, token: str, now: int) -> bool:
        """Whether the token belongs to a session that has expired (and not been purged yet)."""
        found = await self._find(token)
        return found is not None and found.expires <= now

    async def close(self, token: str) -> bool:
        """Ends the session (logout)."""
        result = await self._session.execute(
            delete(IamSession).where(IamSession.token_hash == token_hash(token))
        )
        return bool(affected_rows(result))

    async def close_account(self, account_id: int) -> int:
        """Ends every session of an account (blocked, deleted, password changed)."""
        result = await self._session.execute(delete(IamSession).where(IamSession.account_id == account_id))
        return affected_rows(result)

    async def purge_expired(self, now: int) -> int:
        """Removes expired sessions; how many."""
        result = await self._session.execute(delete(IamSession).where(IamSession.expires <= now))
        return affected_rows(result)

    async def sessions(self, now: int) -> list[LoginSession]:
        """The sessions not expired, oldest first."""
        rows = await self._session.execute(_joined().where(IamSession.expires > now).order_by(IamSession.id))
        return [_login(*row) for row in rows]

    async def _find(self, token: str) -> LoginSession | None:
        row = (
            await self._session.execute(_joined().where(IamSession.token_hash == token_hash(token)))
        ).first()
        return None if row is None else _login(*row)


def _joined() -> Select[IamSession, str, str]:
    return (
        select(IamSession, IamAccount.name, IamIdentityService.name)
        .join(IamAccount, IamAccount.id == IamSession.account_id)
        .join(IamIdentityService, IamIdentityService.id == IamAccount.service_id)
    )


def _login(row: IamSession, account: str, service: str) -> LoginSession:
    return LoginSession(
        id=row.id,
        account_id=row.account_id,
        account=account,
        service=service,
        created=row.created,
        last_access=row.last_access,
        expires=row.expires,
        timeout=row.timeout,
        client=row.client,
    )
