"""TLS contexts for mutual TLS, and the uvicorn protocol that tells the app who the peer is.

No ASGI server passes the client certificate to the app (stack.md 1.1), but JS7-style allow-lists of
subject DNs need it. `PeerCertificateProtocol` closes that gap by subclassing uvicorn's default HTTP
protocol (httptools under uvicorn[standard]). It relies on uvicorn internals (`connection_made` and
`self.app`), which is why uvicorn's minor version is pinned and tests/transport/test_tls.py covers it.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from os import PathLike
from typing import Any, TypeAlias

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FilePath: TypeAlias = str | PathLike[str]

# ASGI's TLS extension wants the version as the TLS protocol number.
_TLS_VERSION_NUMBERS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


class PeerCertificate(msgspec.Struct, frozen=True, kw_only=True):
    """Who is on the other end of a mutual-TLS connection, as its certificate says."""

    subject: str
    """The subject DN as an RFC 4514 string, most specific first: `CN=agent-1,O=Stellwerk`."""
    common_name: str | None


def server_context(
    cert: FilePath, key: FilePath, ca: FilePath, *, minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
) -> ssl.SSLContext:
    """A server context that demands a client certificate issued by `ca` (TLS 1.3 is negotiated when both can)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(context, minimum)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=ca)
    return context


def client_context(
    cert: FilePath, key: FilePath, ca: FilePath, *, minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
) -> ssl.SSLContext:
    """A client context presenting `cert` and trusting only `ca` (not the system store), host names checked."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _harden(context, minimum)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=ca)
    return context


def _harden(context: ssl.SSLContext, minimum: ssl.TLSVersion) -> None:
    context.minimum_version = max(minimum, ssl.TLSVersion.TLSv1_2)
    # Strict RFC 5280 checks, as Python 3.13 does by default. `stellwerk init` certificates pass, and so do
    # trustme ones issued for at least one name (with none, trustme writes an empty SAN, which strict refuses).
    context.verify_flags |= ssl.VERIFY_X509_STRICT


def peer_certificate_of(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> PeerCertificate | None:
    """The verified peer certificate of a TLS connection, parsed from DER (the stdlib dict form is lossy)."""
    der = ssl_object.getpeercert(binary_form=True)
    return None if der is None else _described(x509.load_der_x509_certificate(der))


def _described(cert: x509.Certificate) -> PeerCertificate:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = names[0].value if names else None
    return PeerCertificate(
        subject=cert.subject.rfc4514_string(),
        common_name=common_name if isinstance(common_name, str) else None,
    )


def peer_of(scope: Scope) -> PeerCertificate | None:
    """The peer certificate that `PeerCertificateProtocol` put into this request's scope, if any."""
    tls = scope.get("extensions", {}).get("tls")
    if not tls or tls.get("client_cert_name") is None:
        return None
    return PeerCertificate(subject=tls["client_cert_name"], common_name=tls.get("client_cert_common_name"))


def _tls_extension(ssl_object: ssl.SSLObject) -> dict[str, Any]:
    der = ssl_object.getpeercert(binary_form=True)
    cert = None if der is None else x509.load_der_x509_certificate(der)
    peer = None if cert is None else _described(cert)
    # The keys of the ASGI TLS extension, plus our own `client_cert_common_name`.
    return {
        "server_cert": None,
        "client_cert_chain": [] if cert is None else [cert.public_bytes(Encoding.PEM).decode()],
        "client_cert_name": peer.subject if peer else None,
        "client_cert_common_name": peer.common_name if peer else None,
        "client_cert_error": None,
        "tls_version": _TLS_VERSION_NUMBERS.get(ssl_object.version() or ""),
        "cipher_suite": None,
    }


def _with_tls_extension(app: ASGIApp, tls: dict[str, Any]) -> ASGIApp:
    async def app_seeing_peer(scope: Scope, receive: Receive, send: Send) -> None:
        scope["extensions"] = {**scope.get("extensions", {}), "tls": tls}
        await app(scope, receive, send)

    return app_seeing_peer


class PeerCertificateProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, adding the ASGI `tls` extension (peer subject and CN) to every request.

    asyncio calls `connection_made` after the TLS handshake, so the peer certificate is known then
    and is parsed once per connection, not per request.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Without TCP_NODELAY, an answer written as headers and body waits for the peer's delayed ACK (~40 ms).
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            self.app = _with_tls_extension(self.app, _tls_extension(ssl_object))
