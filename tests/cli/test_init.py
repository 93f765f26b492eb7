"""`stellwerk init`: the files, their modes, the certificates' contents, and a real mutual-TLS call with them."""

from __future__ import annotations

import ipaddress
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tests.transport.apps import TestApp, Whoami

from stellwerk.cli import main
from stellwerk.transport.auth import require_peer
from stellwerk.transport.client import HttpError, NodeClient
from stellwerk.transport.server import serve
from stellwerk.transport.tls import client_context, server_context

NODES = ("cockpit", "controller", "agent-1", "agent-2")


def init(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init", *args])
    return result.exit_code, result.output


@pytest.fixture
def installation(tmp_path: Path) -> Path:
    directory = tmp_path / "pki"
    code, output = init(
        str(directory),
        "--agent",
        "agent-1",
        "--agent",
        "agent-2",
        "--host",
        "localhost",
        "--host",
        "node.example",
        "--ip",
        "127.0.0.1",
        "--ip",
        "::1",
    )
    assert code == 0, output
    return directory


def certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def config(directory: Path, node: str) -> dict[str, Any]:
    return tomllib.loads((directory / node / "node.toml").read_text())


def test_every_file_is_written_and_only_the_owner_can_read_the_keys(installation: Path) -> None:
    keys = [installation / "ca" / "ca-key.pem"] + [installation / node / "node-key.pem" for node in NODES]
    public = [installation / "ca" / "ca.pem"] + [installation / node / "node.pem" for node in NODES]
    assert [stat.S_IMODE(key.stat().st_mode) for key in keys] == [0o600] * len(keys)
    assert all(path.stat().st_mode & stat.S_IROTH for path in public)


def test_node_certificates_chain_to_the_ca_and_serve_both_sides_of_mutual_tls(installation: Path) -> None:
    ca = certificate(installation / "ca" / "ca.pem")
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for node in NODES:
        cert = certificate(installation / node / "node.pem")
        cert.verify_directly_issued_by(ca)
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == node
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert set(purposes) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == ["localhost", "node.example"]
        assert names.get_values_for_type(x509.IPAddress) == [
            ipaddress.ip_address("127.0.0.1"),
            ipaddress.ip_address("::1"),
        ]
        public_key = cert.public_key()
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        assert public_key.curve.name == "secp256r1"


def test_each_node_accepts_the_node_that_calls_it(installation: Path) -> None:
    assert config(installation, "agent-2")["peers"]["allowed-subjects"] == ["CN=controller,O=Stellwerk"]
    assert config(installation, "controller")["peers"]["allowed-subjects"] == ["CN=cockpit,O=Stellwerk"]
    assert config(installation, "cockpit")["peers"]["allowed-subjects"] == []
    node = config(installation, "agent-1")
    assert node["node"] == {"name": "agent-1", "role": "agent"}
    for file in node["tls"].values():
        assert (installation / "agent-1" / file).is_file()


def contexts_of(directory: Path, node: str) -> tuple[Any, Any, list[str]]:
    settings = config(directory, node)
    files = [directory / node / settings["tls"][part] for part in ("certificate", "key", "ca")]
    return server_context(*files), client_context(*files), settings["peers"]["allowed-subjects"]


async def test_the_controller_calls_an_agent_over_mutual_tls_with_init_made_certificates(
    installation: Path,
) -> None:
    agent_server, _, allowed = contexts_of(installation, "agent-1")
    _, controller_client, _ = contexts_of(installation, "controller")
    _, cockpit_client, _ = contexts_of(installation, "cockpit")
    app = TestApp([require_peer(allowed)])
    async with serve(app.app, "127.0.0.1", 0, tls=agent_server) as server:
        async with NodeClient(f"https://localhost:{server.port}", ssl_context=controller_client) as client:
            seen = await client.get("/whoami", Whoami)
        async with NodeClient(server.url, ssl_context=cockpit_client) as client:
            with pytest.raises(HttpError, match="403"):
                await client.get("/whoami", Whoami)
    assert (seen.subject, seen.common_name) == ("CN=controller,O=Stellwerk", "controller")


def test_existing_keys_are_not_replaced_without_force(installation: Path) -> None:
    key = installation / "agent-1" / "node-key.pem"
    before = key.read_bytes()
    code, output = init(str(installation), "--agent", "agent-1")
    assert code == 1
    assert "already exist" in output and "--force" in output
    assert key.read_bytes() == before
    code, output = init(str(installation), "--agent", "agent-1", "--force")
    assert code == 0, output
    assert key.read_bytes() != before
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--agent", "a", "--agent", "a"], "used twice"),
        (["--agent", "../escape"], "not a usable node name"),
        (["--controller-name", "ca"], "not a usable node name"),
        (["--ip", "localhost"], "does not appear to be an IPv4 or IPv6 address"),
        (["--host", "bad host"], "is not a DNS name"),
    ],
)
def test_unusable_options_are_refused_before_anything_is_written(
    tmp_path: Path, args: list[str], complaint: str
) -> None:
    code, output = init(str(tmp_path / "pki"), *args)
    assert code == 2
    assert complaint in output
    assert not (tmp_path / "pki").exists()


def test_help_explains_every_option() -> None:
    code, output = init("--help")
    assert code == 0
    for option in (
        "--controller-name",
        "--agent",
        "--cockpit-name",
        "--host",
        "--ip",
        "--organization",
        "--days",
        "--force",
        "0600",
        "serverAuth",
    ):
        assert option in output
