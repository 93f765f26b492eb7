"""JS7's sessions at `POST /controller/api/session` (js7-reference §6.1 step 1): `{"TYPE":"Login"}` answers
`{"TYPE":"LoggedIn","sessionToken":…}`, `{"TYPE":"Logout","sessionToken":…}` ends the session. Requests may then
carry the token in the `x-js7-session` header.

Clients are known by their TLS certificates (mutual TLS): the certificate is the identity, so a Login needs no
password, and a Login naming another user than the certificate's is refused (the Controller keeps no passwords).
Over plain HTTP on loopback (`insecure`), a Login without user gets an "Anonymous" session. A session ends at
Logout or after `timeout` of not being used; a request with an unknown, expired or another client's token is
refused with 403, whatever it asked."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import msgspec
from starlette.types import ASGIApp, Receive, Scope, Send

from stellwerk.model.problems import Problem
from stellwerk.transport.auth import send_forbidden
from stellwerk.transport.tls import peer_of

SESSION_HEADER = "x-js7-session"
ANONYMOUS = "Anonymous"
DEFAULT_TIMEOUT_MS = 3_600_000


class UserAndPassword(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str = msgspec.field(name="userId")
    password: str = ""


class Login(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Login"):
    user_and_password: UserAndPassword | None = msgspec.field(default=None, name="userAndPassword")
    version: str | None = None


class Logout(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Logout"):
    session_token: str = msgspec.field(name="sessionToken")


class LoggedIn(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="LoggedIn"):
    session_token: str = msgspec.field(name="sessionToken")


SessionCommand = Login | Logout


class _Session(msgspec.Struct, kw_only=True):
    user_id: str
    # The client certificate's common name (None over plain HTTP): a token is only good with the same one.
    identity: str | None
    last_used: int


class Sessions:
    """The open sessions by token. `clock` gives epoch milliseconds."""

    def __init__(self, clock: Callable[[], int], timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self._clock = clock
        self._timeout_ms = timeout_ms
        self._sessions: dict[str, _Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def login(self, identity: str | None, login: Login) -> LoggedIn | Problem:
        """`identity`: the common name of the client certificate, None without TLS."""
        wanted = login.user_and_password.user_id if login.user_and_password else None
        if identity is None and wanted is not None:
            return Problem(
                f"Login as '{wanted}' is refused: the Controller knows clients by their certificates"
            )
        if identity is not None and wanted not in (None, identity):
            return Problem(f"Login as '{wanted}' is refused: the client certificate is '{identity}'")
        self._drop_expired()
        token = secrets.token_urlsafe(24)
        self._sessions[token] = _Session(
            user_id=identity or ANONYMOUS, identity=identity, last_used=self._clock()
        )
        return LoggedIn(session_token=token)

    def logout(self, token: str) -> None:
        self._sessions.pop(token, None)

    def user_of(self, token: str, identity: str | None) -> str | Problem:
        """The user of a valid token presented by this client; using it keeps the session alive."""
        session = self._sessions.get(token)
        now = self._clock()
        if session is None or session.identity != identity or now - session.last_used > self._timeout_ms:
            return Problem("Invalid session token")
        session.last_used = now
        return session.user_id

    def _drop_expired(self) -> None:
        now = self._clock()
        for token, session in list(self._sessions.items()):
            if now - session.last_used > self._timeout_ms:
                del self._sessions[token]


def identity_of(scope: Scope) -> str | None:
    peer = peer_of(scope)
    return peer.common_name if peer is not None else None


class SessionCheck:
    """ASGI middleware: a request carrying `x-js7-session` passes only with a valid token (403 otherwise);
    requests without one pass (the client certificate already admitted them). `/session` itself is not checked,
    so that a client can log out or in again with a stale token."""

    def __init__(self, app: ASGIApp, *, sessions: Sessions, session_path: str) -> None:
        self.app = app
        self.sessions = sessions
        self.session_path = session_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _header(scope, SESSION_HEADER) if scope["type"] == "http" else None
        if token is not None and scope["path"] != self.session_path:
            user = self.sessions.user_of(token, identity_of(scope))
            if isinstance(user, Problem):
                await send_forbidden(send, user.message)
                return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None
