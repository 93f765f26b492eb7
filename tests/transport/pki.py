"""Test certificates from trustme, written to files as the services read them."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme

from stellwerk.transport.tls import client_context, server_context

ORGANIZATION = "Stellwerk"
UNIT = "tests"


def subject_of(common_name: str) -> str:
    return f"CN={common_name},OU={UNIT},O={ORGANIZATION}"


class TestPki:
    """A CA and node certificates for localhost / 127.0.0.1, in a folder."""

    __test__ = False  # not a test class for pytest

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca = trustme.CA(organization_name=ORGANIZATION)
        self.ca_path = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_path))

    def node_files(self, name: str, *, issuer: trustme.CA | None = None) -> tuple[Path, Path]:
        """A certificate for both server and client use, CN = name, and its key file."""
        leaf = (issuer or self.ca).issue_cert(
            "localhost",
            "127.0.0.1",
            common_name=name,
            organization_name=ORGANIZATION,
            organization_unit_name=UNIT,
        )
        cert, key = self.folder / f"{name}.pem", self.folder / f"{name}-key.pem"
        for blob in leaf.cert_chain_pems:
            blob.write_to_path(str(cert), append=True)
        leaf.private_key_pem.write_to_path(str(key))
        return cert, key

    def server_context(self, name: str = "server") -> ssl.SSLContext:
        return server_context(*self.node_files(name), self.ca_path)

    def client_context(self, name: str, *, issuer: trustme.CA | None = None) -> ssl.SSLContext:
        return client_context(*self.node_files(name, issuer=issuer), self.ca_path)

    def anonymous_client_context(self) -> ssl.SSLContext:
        """Trusts the server, presents no certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cafile=self.ca_path)
        return context
