"""`stellwerk agents list|enable|disable|reset`: the Controller's Agents (`/agents`, `/agents/inventory/...`,
`/agents/reset`)."""

from __future__ import annotations

from typing import Any

import click

from stellwerk.cli.client.session import Session, operator_command, state_text, table


@click.group("agents")
def agents_command() -> None:
    """The Controller's Agents: list, enable, disable, reset."""


@operator_command(agents_command, "list")
def list_agents(session: Session) -> None:
    """The Agents with their state as the Controller sees it."""
    answer = session.client.call("/agents", {"controllerId": session.controller_id})

    def rows() -> list[tuple[Any, ...]]:
        return [
            (
                agent.get("agentId"),
                agent.get("agentName"),
                agent.get("url"),
                state_text(agent),
                "yes" if agent.get("disabled") else "no",
                agent.get("errorMessage"),
            )  # fmt: skip
            for agent in answer.get("agents", [])
        ]

    session.emit(answer, lambda: table(None, ("Agent", "Name", "URL", "State", "Disabled", "Error"), rows()))


def _switch(session: Session, endpoint: str, agent_ids: tuple[str, ...]) -> None:
    body = {"controllerId": session.controller_id, "agentIds": list(agent_ids)}
    answer = session.client.call(f"/agents/inventory/{endpoint}", body)
    session.emit(answer, lambda: f"{endpoint}d: {', '.join(agent_ids)}")


@operator_command(agents_command, "enable")
@click.argument("agent_ids", nargs=-1, required=True)
def enable(session: Session, agent_ids: tuple[str, ...]) -> None:
    """Enable Agents: the Controller gives them orders again."""
    _switch(session, "enable", agent_ids)


@operator_command(agents_command, "disable")
@click.argument("agent_ids", nargs=-1, required=True)
def disable(session: Session, agent_ids: tuple[str, ...]) -> None:
    """Disable Agents: the Controller gives them no new orders."""
    _switch(session, "disable", agent_ids)


@operator_command(agents_command, "reset")
@click.argument("agent_ids", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Also take over an Agent that another Controller holds.")
def reset(session: Session, agent_ids: tuple[str, ...], force: bool) -> None:
    """Reset standalone Agents: their orders fail, they drop their journals and start afresh."""
    body = {"controllerId": session.controller_id, "agentIds": list(agent_ids), "force": force}
    answer = session.client.call("/agents/reset", body)
    session.emit(answer, lambda: f"reset: {', '.join(agent_ids)}")
