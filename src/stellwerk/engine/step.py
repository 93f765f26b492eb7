"""The context of one event derivation: the state, the order, its workflow and the time."""

from __future__ import annotations

from dataclasses import dataclass

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.instructions import Instruction
from stellwerk.model.order import Order
from stellwerk.model.workflow import Workflow, instruction_at

Events = list[e.OrderEvent]


@dataclass(frozen=True, slots=True)
class Step:
    state: EngineState
    order: Order
    workflow: Workflow
    now: int

    @property
    def instruction(self) -> Instruction | None:
        return instruction_at(self.workflow, self.order.position)

    @property
    def local_agents(self) -> bool:
        return self.state.local_agents
