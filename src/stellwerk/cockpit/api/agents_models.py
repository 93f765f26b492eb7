"""The request bodies of JOC's `/agents...` and `/agent/...` endpoints (schemas under api-schemas/agent)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from stellwerk.cockpit.api.controller import ControllerId, RequiredControllerId
from stellwerk.cockpit.api.models import Audited, JocModel

Required255 = Annotated[str, Field(min_length=1, max_length=255)]
String255 = Annotated[str, Field(max_length=255)]
AgentUrl = Annotated[str, Field(pattern=r"^https?://[^\s<>]+$", max_length=255)]
DirectorType = Literal["NO_DIRECTOR", "PRIMARY_DIRECTOR", "SECONDARY_DIRECTOR"]


class AgentParam(JocModel):
    """JOC's `Agent` (singleAgent-schema): a standalone Agent."""

    controller_id: ControllerId | None = None
    agent_id: Required255
    agent_name: Required255
    agent_name_aliases: list[String255] | None = None
    url: AgentUrl
    title: String255 | None = None
    process_limit: int | None = Field(default=None, ge=0)
    hidden: bool = False
    disabled: bool = False
    sync_state: dict[str, Any] | None = None
    deployed: bool = False
    ordering: int | None = Field(default=None, ge=1)
    version: String255 | None = None


class SubagentParam(JocModel):
    """JOC's `SubAgent` (subagent-schema)."""

    agent_id: Required255 | None = None
    subagent_id: Required255
    url: AgentUrl
    is_director: DirectorType = "NO_DIRECTOR"
    title: String255 | None = None
    sync_state: dict[str, Any] | None = None
    disabled: bool = False
    deployed: bool = False
    with_generate_subagent_cluster: bool = False
    ordering: int | None = Field(default=None, ge=1)
    version: String255 | None = None


class ClusterAgentParam(JocModel):
    """JOC's `ClusterAgent` (clusterAgent-schema): an Agent with Directors and Subagents; its URL is the
    primary Director's."""

    controller_id: ControllerId | None = None
    agent_id: Required255
    agent_name: Required255
    agent_name_aliases: list[String255] | None = None
    url: AgentUrl | None = None
    title: String255 | None = None
    process_limit: int | None = Field(default=None, ge=0)
    hidden: bool = False
    disabled: bool = False
    sync_state: dict[str, Any] | None = None
    deployed: bool = False
    ordering: int | None = Field(default=None, ge=1)
    version: String255 | None = None
    subagents: list[SubagentParam]
    force_failover_confirmation: bool = False


class StoreAgents(Audited):
    """storeParam-schema."""

    controller_id: RequiredControllerId
    agents: list[AgentParam] = Field(min_length=1)
    update: bool = False


class StoreClusterAgents(Audited):
    """storeClusterParam-schema."""

    controller_id: RequiredControllerId
    cluster_agents: list[ClusterAgentParam] = Field(min_length=1)
    update: bool = False


class StoreSubagents(Audited):
    """storeSubagentsParam-schema."""

    controller_id: RequiredControllerId
    agent_id: Required255
    subagents: list[SubagentParam] = Field(min_length=1)
    update: bool = False


class SubagentPriorityParam(JocModel):
    """subagentId-schema (a priority given as an expression is not supported)."""

    subagent_id: Required255
    priority: int | Annotated[str, Field(min_length=1, max_length=255)]


class SubagentClusterParam(JocModel):
    """subagentCluster-schema."""

    controller_id: ControllerId | None = None
    agent_id: Required255
    subagent_cluster_id: Required255
    title: String255 | None = None
    deployed: bool = False
    sync_state: dict[str, Any] | None = None
    ordering: int | None = Field(default=None, ge=1)
    subagent_ids: list[SubagentPriorityParam]


class StoreSubagentClusters(Audited):
    """storeSubagentClusters-schema."""

    subagent_clusters: list[SubagentClusterParam] = Field(min_length=1)
    update: bool = False


class AgentIds(Audited):
    """deployAgents-schema: deploy, revoke, enable or disable standalone Agents."""

    controller_id: RequiredControllerId
    agent_ids: list[Required255] = Field(min_length=1)


class ResetAgents(AgentIds):
    """resetAgents-schema: `force` also seizes an Agent that another Controller holds."""

    force: bool = False


class ClusterAgentIds(Audited):
    """deployClusterAgents-schema."""

    controller_id: RequiredControllerId
    cluster_agent_ids: list[Required255] = Field(min_length=1)


class SubagentIds(Audited):
    """subagentsCommand-schema."""

    controller_id: RequiredControllerId
    subagent_ids: list[Required255] = Field(min_length=1)


class SubagentClusterIds(Audited):
    """deploySubagentClusters-schema."""

    controller_id: RequiredControllerId
    subagent_cluster_ids: list[Required255] = Field(min_length=1)


class AgentCommand(Audited):
    """agentCommand-schema."""

    controller_id: RequiredControllerId
    agent_id: Required255
    force: bool = False


class ReadAgents(JocModel):
    """readAgents-schema."""

    controller_id: ControllerId | None = None
    agent_ids: list[Required255] | None = None
    only_visible_agents: bool = False


class ReadAgentsStatus(JocModel):
    """readAgents_v-schema."""

    controller_id: RequiredControllerId
    agent_ids: list[Required255] | None = None
    states: (
        list[Literal["COUPLED", "RESETTING", "INITIALISED", "COUPLINGFAILED", "SHUTDOWN", "UNKNOWN"]] | None
    ) = None
    only_visible_agents: bool = False
    compact: bool = False
    flat: bool = False


class ReadSubagentClusters(JocModel):
    """readSubagentClusters-schema."""

    controller_id: ControllerId | None = None
    agent_ids: list[Required255] | None = None
    subagent_cluster_ids: list[Required255] | None = None


class ReadAgentNames(JocModel):
    """The body of `/agents/names`."""

    controller_id: ControllerId | None = None


class ReadSubagentsLive(JocModel):
    """Stellwerk's `/agent/subagents`: one Agent of one Controller."""

    controller_id: RequiredControllerId
    agent_id: Required255
