"""`stellwerk init`: the TLS material and a config file for every node of an installation.

The layout written into DIRECTORY:

    ca/ca.pem              the private CA's certificate; every node trusts it, and only it
    ca/ca-key.pem          the CA's key (0600): keep it offline, it is only needed to issue certificates
    <node>/node.pem        the node's certificate, for serving and for calling (CN = node name)
    <node>/node-key.pem    its key (0600)
    <node>/node.toml       [node] name and role, [tls] file paths relative to the TOML file,
                           [peers] allowed-subjects: the client certificate DNs the node accepts

Connections go Cockpit -> Controller -> Agent, so an Agent accepts the Controller's DN and the
Controller accepts the Cockpit's. The Cockpit accepts no node: browsers and API clients log in instead.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import click

from stellwerk.transport.pki import IpAddress, KeyAndCertificate, new_ca, new_node_certificate, subject_name

_NODE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_CA_FOLDER = "ca"


class Node(NamedTuple):
    """A node to make a certificate and a config for, and the nodes whose certificates it accepts."""

    name: str
    role: str
    accepts: tuple[str, ...]


class Names(NamedTuple):
    """What goes into the certificates besides the node names."""

    organization: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[IpAddress, ...]
    days: int


def plan_nodes(controller: str, agents: tuple[str, ...], cockpit: str) -> list[Node]:
    """The nodes of an installation; raises click.BadParameter for unusable or repeated names."""
    nodes = [Node(cockpit, "cockpit", ()), Node(controller, "controller", (cockpit,))]
    nodes += [Node(agent, "agent", (controller,)) for agent in agents]
    seen: set[str] = set()
    for node in nodes:
        if not _NODE_NAME.fullmatch(node.name) or node.name == _CA_FOLDER:
            raise click.BadParameter(
                f"{node.name!r} is not a usable node name (letters, digits, '.', '_', '-'; not {_CA_FOLDER!r})"
            )
        if node.name in seen:
            raise click.BadParameter(f"the node name {node.name!r} is used twice")
        seen.add(node.name)
    return nodes


def files_to_write(directory: Path, nodes: list[Node]) -> list[Path]:
    ca = [directory / _CA_FOLDER / "ca.pem", directory / _CA_FOLDER / "ca-key.pem"]
    return ca + [
        directory / node.name / name for node in nodes for name in ("node.pem", "node-key.pem", "node.toml")
    ]


def initialize(directory: Path, nodes: list[Node], names: Names, *, force: bool, now: datetime) -> None:
    """Write the CA and every node's files; refuses (click.ClickException) to replace files unless `force`."""
    existing = [path for path in files_to_write(directory, nodes) if path.exists()]
    if existing and not force:
        listed = ", ".join(str(path) for path in existing[:3]) + (" …" if len(existing) > 3 else "")
        raise click.ClickException(
            f"{listed} already exist(s); use --force to replace the certificates and keys"
        )
    ca = new_ca(names.organization, now=now)
    _write_pair(directory / _CA_FOLDER, "ca", ca)
    for node in nodes:
        issued = new_node_certificate(
            ca,
            node.name,
            organization=names.organization,
            dns_names=names.dns_names,
            ip_addresses=names.ip_addresses,
            now=now,
            days=names.days,
        )
        _write_pair(directory / node.name, "node", issued)
        (directory / node.name / "node.toml").write_text(node_config(node, names.organization))


def node_config(node: Node, organization: str) -> str:
    """The node's TOML: its name and role, its TLS files, and the subject DNs of the clients it accepts."""
    allowed = ", ".join(
        _toml_string(subject_name(peer, organization).rfc4514_string()) for peer in node.accepts
    )
    return "\n".join(
        [
            "# Written by `stellwerk init`. Paths are relative to this file.",
            "[node]",
            f"name = {_toml_string(node.name)}",
            f"role = {_toml_string(node.role)}",
            "",
            "[tls]",
            'certificate = "node.pem"',
            'key = "node-key.pem"',
            f'ca = "../{_CA_FOLDER}/ca.pem"',
            "",
            "[peers]",
            "# Subject DNs (RFC 4514) of the client certificates this node accepts.",
            f"allowed-subjects = [{allowed}]",
            "",
        ]
    )


def _toml_string(text: str) -> str:
    # A JSON string with non-ASCII escaped is also a valid TOML basic string.
    return json.dumps(text, ensure_ascii=True)


def _write_pair(folder: Path, stem: str, issued: KeyAndCertificate) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_private(folder / f"{stem}-key.pem", issued.key_pem())
    (folder / f"{stem}.pem").write_bytes(issued.certificate_pem())


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        # A replaced file keeps its old mode through O_CREAT, so set it explicitly.
        os.fchmod(file.fileno(), 0o600)
        file.write(data)


def _parse_ip(
    _context: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[IpAddress, ...]:
    try:
        return tuple(ipaddress.ip_address(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _check_hosts(
    _context: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    for value in values:
        if not value.isascii() or not re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+", value):
            raise click.BadParameter(f"{value!r} is not a DNS name (use its ASCII 'xn--' form)")
    return values


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--controller-name", default="controller", show_default=True, help="Name (and CN) of the Controller."
)
@click.option(
    "--agent",
    "agents",
    multiple=True,
    default=("agent",),
    show_default=True,
    metavar="NAME",
    help="Name (and CN) of an Agent; repeat for more Agents.",
)
@click.option("--cockpit-name", default="cockpit", show_default=True, help="Name (and CN) of the Cockpit.")
@click.option(
    "--host",
    "hosts",
    multiple=True,
    default=("localhost",),
    show_default=True,
    callback=_check_hosts,
    help="DNS name the nodes are reached by (subject alternative name of every node); repeatable.",
)
@click.option(
    "--ip",
    "ips",
    multiple=True,
    default=("127.0.0.1",),
    show_default=True,
    callback=_parse_ip,
    help="IP address the nodes are reached by (subject alternative name of every node); repeatable.",
)
@click.option("--organization", default="Stellwerk", show_default=True, help="O= of every subject DN.")
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=825,
    show_default=True,
    help="Validity of node certificates.",
)
@click.option("--force", is_flag=True, help="Replace existing certificates, keys and configs (a new CA too).")
def init_command(
    directory: Path,
    controller_name: str,
    agents: tuple[str, ...],
    cockpit_name: str,
    hosts: tuple[str, ...],
    ips: tuple[IpAddress, ...],
    organization: str,
    days: int,
    force: bool,
) -> None:
    """Create DIRECTORY with a private CA, a certificate and key per node, and a config per node.

    Every node gets one ECDSA P-256 certificate for both serving and calling (EKU serverAuth and
    clientAuth), with CN = its name and the --host / --ip names as subject alternative names.
    Key files are written with mode 0600. Existing files are never replaced without --force.
    """
    nodes = plan_nodes(controller_name, agents, cockpit_name)
    names = Names(organization, hosts, ips, days)
    initialize(directory, nodes, names, force=force, now=datetime.now(UTC))
    click.echo(f"CA: {directory / _CA_FOLDER / 'ca.pem'} (keep ca-key.pem offline)")
    for node in nodes:
        subject = subject_name(node.name, organization).rfc4514_string()
        click.echo(f"{node.role} {node.name}: {directory / node.name / 'node.toml'} ({subject})")
