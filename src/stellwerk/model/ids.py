"""Names of things: distinct types for ids and paths, nothing else."""

from __future__ import annotations

from typing import NewType

OrderId = NewType("OrderId", str)
WorkflowPath = NewType("WorkflowPath", str)
VersionId = NewType("VersionId", str)
AgentPath = NewType("AgentPath", str)
SubagentId = NewType("SubagentId", str)
JobName = NewType("JobName", str)
LockPath = NewType("LockPath", str)
BoardPath = NewType("BoardPath", str)
JobResourcePath = NewType("JobResourcePath", str)
Label = NewType("Label", str)
EventId = NewType("EventId", int)

# Epoch milliseconds, the engine's instant; durations are seconds (int or decimal).
Timestamp = NewType("Timestamp", int)
