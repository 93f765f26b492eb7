"""The Controller sends an Agent its SubagentItems and the bundles of them with the first order (§6.3)."""

from __future__ import annotations

from stellwerk.controller.effects import Intent, commands_for
from stellwerk.model import agent_commands as ac
from stellwerk.model.items import SubagentBundle, SubagentItem
from tests.controller.test_effects import ADDED, ATTACHABLE, state_with


def test_an_order_for_an_agent_brings_its_subagents_and_their_bundles() -> None:
    state = state_with(ADDED, ATTACHABLE)
    for sid, agent in (("a1", "agentA"), ("a2", "agentA"), ("b1", "agentB")):
        state.subagent_items[sid] = SubagentItem(id=sid, agent_path=agent, uri=f"https://{sid}.example:4443")
    state.subagent_bundles["BA"] = SubagentBundle(id="BA", subagent_to_priority={"a1": 1, "a2": 1})
    state.subagent_bundles["BB"] = SubagentBundle(id="BB", subagent_to_priority={"b1": 1})
    known: set[str] = set()
    commands = commands_for(state, "agentA", Intent("attach", "o1"), known)
    assert isinstance(commands[-1], ac.AttachOrder)
    assert known == {
        "Workflow:W~v1",
        "JobResource:JR",
        "SubagentItem:a1",
        "SubagentItem:a2",
        "SubagentBundle:BA",
    }
