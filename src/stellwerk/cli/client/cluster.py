"""`stellwerk cluster status|switchover|confirm-loss`: the Cockpit's and the Controller's nodes
(`/controller/components`), a switch-over of the Controller cluster (`/controller/cluster/switchover`) or of the
Cockpit cluster (`/joc/cluster/switch_member`), and confirming that a lost Controller node is down
(`/controller/cluster/confirm_node_loss`). A Cockpit without clusters answers the last three with exit code 7."""

from __future__ import annotations

from typing import Any

import click

from stellwerk.cli.client.session import Session, operator_command, state_text, table


@click.group("cluster")
def cluster_command() -> None:
    """The cluster of Controllers and of Cockpits: status, switchover, confirm-loss."""


@operator_command(cluster_command, "status")
def status(session: Session) -> None:
    """The nodes of the Controller and the Cockpit, their roles and states."""
    answer = session.client.call("/controller/components", {"controllerId": session.controller_id})

    def rows() -> list[tuple[Any, ...]]:
        found = [
            (
                "Controller",
                node.get("url"),
                node.get("role"),
                state_text(node, "clusterNodeState"),
                state_text(node, "connectionState"),
                state_text(node, "componentState"),
            )  # fmt: skip
            for node in answer.get("controllers", [])
        ]
        found += [
            (
                "Cockpit",
                node.get("memberId"),
                "current" if node.get("current") else "",
                state_text(node, "clusterNodeState"),  # fmt: skip
                state_text(node, "connectionState"),
                state_text(node, "componentState"),
            )  # fmt: skip
            for node in answer.get("jocs", [])
        ]
        database = answer.get("database") or {}
        if database:
            found.append(("Database", database.get("dbms"), database.get("version"), "",
                          state_text(database, "connectionState"), state_text(database, "componentState")))  # fmt: skip
        return found

    session.emit(answer, lambda: table(None, ("Component", "Node", "Role", "Cluster state", "Connection", "State"), rows()))  # fmt: skip


@operator_command(cluster_command, "switchover")
@click.option(
    "--cockpit", "member_id", help="Switch the Cockpit cluster's active member to this member id instead."
)
def switchover(session: Session, member_id: str | None) -> None:
    """Make the passive Controller node active (or, with --cockpit, another Cockpit)."""
    if member_id:
        answer = session.client.call("/joc/cluster/switch_member", {"memberId": member_id})
    else:
        answer = session.client.call(
            "/controller/cluster/switchover", {"controllerId": session.controller_id}
        )
    session.emit(answer, lambda: "Switch-over started")


@operator_command(cluster_command, "confirm-loss")
def confirm_loss(session: Session) -> None:
    """Confirm that the lost Controller node is really down, so the other one may become active."""
    answer = session.client.call(
        "/controller/cluster/confirm_node_loss", {"controllerId": session.controller_id}
    )
    session.emit(answer, lambda: "Node loss confirmed")
