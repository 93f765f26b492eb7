"""The command-line options of a cluster node, the same for a Controller and an Agent's Director."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from cryptography import x509

from stellwerk.cluster.setting import ClusterSetting
from stellwerk.cluster.states import Timing

F = TypeVar("F", bound=Callable[..., Any])


def cluster_options(what: str, watch: str) -> Callable[[F], F]:
    """--cluster, --cluster-peer, --cluster-peer-subject and --cluster-timing; `what` names the service, `watch`
    its Cluster Watch, in the help texts."""

    def decorate(command: F) -> F:
        options = [
            click.option(
                "--cluster",
                "cluster_node",
                type=click.Choice(["Primary", "Backup"]),
                help=f"Run as this node of a {what} cluster (Primary starts active, Backup passive).",
            ),
            click.option(
                "--cluster-peer", metavar="URI", help="The other cluster node's URI (https://host:port)."
            ),
            click.option(
                "--cluster-peer-subject",
                multiple=True,
                metavar="DN",
                help="Subject DN allowed on the cluster endpoints besides this node's own (which the other node "
                f"may share): the other node's, {watch}'s that is the Cluster Watch. Repeatable.",
            ),
            click.option(
                "--cluster-timing",
                metavar="HEARTBEAT,TIMEOUT,CONSENT",
                default="3,10,6",
                show_default=True,
                help="Seconds: heartbeat, heartbeat timeout, Cluster Watch consent timeout.",
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def cluster_setting(
    node: str,
    peer: str | None,
    peer_subjects: tuple[str, ...],
    timing: str,
    certificate: Path | None,
    api: str,
) -> ClusterSetting:
    """The node's setting; its own certificate's subject is allowed too (both nodes may share one)."""
    if not peer or not peer.startswith(("https://", "http://")):
        raise click.UsageError("--cluster needs --cluster-peer https://host:port")
    try:
        heartbeat, timeout, consent = (float(part) for part in timing.split(","))
    except ValueError:
        raise click.BadParameter(
            f"{timing!r} is not HEARTBEAT,TIMEOUT,CONSENT", param_hint="--cluster-timing"
        ) from None
    if certificate is not None:
        subject = x509.load_pem_x509_certificate(certificate.read_bytes()).subject
        peer_subjects = (subject.rfc4514_string(), *peer_subjects)
    return ClusterSetting(
        node_id="Primary" if node == "Primary" else "Backup",
        peer_uri=peer,
        peer_subjects=peer_subjects,
        timing=Timing(heartbeat=heartbeat, heartbeat_timeout=timeout, consent_timeout=consent),
        api=api,
    )
