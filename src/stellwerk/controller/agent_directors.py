"""Where an Agent's Directors listen: one URI for a standalone Agent, two (Primary first) for a cluster Agent,
whose active Director the Controller finds by asking (a passive one answers 503) and whose Cluster Watch the
Controller is. From the configuration (`[agents] name = "URI"`, or `"URI,URI"` for a cluster Agent) or from an
AgentRef whose two `directors` are SubagentItems with URIs."""

from __future__ import annotations

from stellwerk.engine.state import EngineState
from stellwerk.model.items import AgentRef

AGENT_API = "/agent/api"


def director_uris_of_config(value: str) -> tuple[str, ...]:
    return tuple(uri.strip() for uri in value.split(",") if uri.strip())


def director_uris(ref: AgentRef, state: EngineState) -> tuple[str, ...]:
    directors = [state.subagent_items.get(director) for director in ref.directors]
    uris = tuple(item.uri for item in directors if item is not None)
    if len(ref.directors) == 2 and len(uris) == 2:
        return uris
    return (ref.uri,) if ref.uri else ()
