"""Which peers may call a service: an allow-list of certificate subject DNs (or common names).

JS7 Agents accept a Controller by the subject DN of its client certificate
(`js7.auth.users.<controller-id>.distinguished-names`); this is the same check, done on the
`tls` scope extension that `tls.PeerCertificateProtocol` fills in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import msgspec
from cryptography import x509
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from stellwerk.transport.server import is_loopback
from stellwerk.transport.tls import PeerCertificate, peer_of

PeerMatch = Literal["subject", "common_name"]

# Separators not escaped by a backslash (RFC 4514 escapes "," and "+" inside values as "\,", "\+").
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_UNESCAPED_PLUS = re.compile(r"(?<!\\)\+")


def canonical_dn(dn: str) -> str:
    """The RFC 4514 form of a subject DN, so `CN=a, o=B` written by hand matches a certificate's `CN=a,O=B`.

    Raises ValueError for text that is not a DN.
    """
    rdns = []
    for rdn in _UNESCAPED_COMMA.split(dn):
        attributes = []
        for attribute in _UNESCAPED_PLUS.split(rdn):
            kind, separator, value = attribute.strip().partition("=")
            if not separator:
                raise ValueError(f"not a distinguished name (no '=' in {attribute.strip()!r}): {dn!r}")
            attributes.append(f"{kind.strip().upper()}={value.strip()}")
        rdns.append("+".join(attributes))
    try:
        return x509.Name.from_rfc4514_string(",".join(rdns)).rfc4514_string()
    except ValueError as error:
        raise ValueError(f"not a distinguished name: {dn!r} ({error})") from None


def problem_body(message: str) -> bytes:
    """A JS7 problem as JSON: `{"TYPE":"Problem","message":…}`."""
    return msgspec.json.encode({"TYPE": "Problem", "message": message})


class PeerAllowList:
    """ASGI middleware: 403 with a problem body unless the peer certificate is allow-listed.

    With `insecure=True` (plain HTTP for development), requests without TLS pass, but only when
    they arrived on a loopback address; `server.serve` also refuses to bind elsewhere.
    """

    def __init__(
        self, app: ASGIApp, *, allowed: Iterable[str], match: PeerMatch = "subject", insecure: bool = False
    ) -> None:
        self.app = app
        self.match = match
        self.insecure = insecure
        self.allowed = allowed_names(allowed, match)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": refusal})
        else:
            await send_forbidden(send, refusal)

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, or None when it may pass."""
        peer = peer_of(scope)
        if peer is None:
            if self.insecure and _arrived_on_loopback(scope):
                return None
            return "A client certificate is required"
        name = self._name_of(peer)
        if name in self.allowed:
            return None
        return f"The client certificate {name!r} is not allowed here"

    def _name_of(self, peer: PeerCertificate) -> str:
        if self.match == "subject":
            return peer.subject
        return peer.common_name or ""


def require_peer(
    allowed: Iterable[str], *, match: PeerMatch = "subject", insecure: bool = False
) -> Middleware:
    """The middleware for `Starlette(middleware=[require_peer({"CN=controller,O=Stellwerk"})])`.

    `allowed` holds subject DNs (any spacing or attribute-name case), or common names with
    `match="common_name"`. An invalid DN raises ValueError here, at configuration time.
    """
    return Middleware(PeerAllowList, allowed=allowed_names(allowed, match), match=match, insecure=insecure)


def allowed_names(allowed: Iterable[str], match: PeerMatch) -> frozenset[str]:
    """The allow-list as compared: canonical DNs, or the common names as written."""
    return frozenset(canonical_dn(name) if match == "subject" else name for name in allowed)


def _arrived_on_loopback(scope: Scope) -> bool:
    server = scope.get("server")
    return server is not None and is_loopback(str(server[0]))


async def send_forbidden(send: Send, message: str) -> None:
    body = problem_body(message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
