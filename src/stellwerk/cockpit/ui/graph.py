"""A workflow as a graph for cytoscape: a node per instruction (its position string is its id), edges from each
instruction to the next and into and out of its blocks (then/else, fork branches, try/catch, cycles, locks), an
end node per block, and the number of orders at each position. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

_LABELLED = ("label", "jobName")


def _title(instruction: Mapping[str, Any]) -> str:
    kind = str(instruction.get("TYPE", "?")).replace("Execute.Named", "Job")
    name = next((str(instruction[field]) for field in _LABELLED if instruction.get(field)), "")
    return f"{kind} {name}".strip()


def _blocks(instruction: Mapping[str, Any]) -> list[tuple[str, list[Any]]]:
    """The instruction's inner blocks with their names, in the order they are shown."""
    thens = [
        ("then", item["then"].get("instructions") or [])
        for item in instruction.get("ifThens") or ()
        if isinstance(item, dict) and isinstance(item.get("then"), dict)
    ]
    branches = [
        (str(branch.get("id", "branch")), branch["workflow"].get("instructions") or [])
        for branch in instruction.get("branches") or ()
        if isinstance(branch, dict) and isinstance(branch.get("workflow"), dict)
    ]
    fields = [
        (field, value["instructions"])
        for field, value in instruction.items()
        if isinstance(value, dict) and isinstance(value.get("instructions"), list)
    ]
    return [*thens, *branches, *fields]


def _end_of(instructions: list[Any]) -> str | None:
    """The id of a block's end node: its positions' block with `end` for the number ("1/then:end")."""
    first = next((i for i in instructions if isinstance(i, dict) and i.get("positionString")), None)
    if first is None:
        return None
    return (
        str(first["positionString"]).rsplit(":", 1)[0] + ":end" if ":" in first["positionString"] else "end"
    )


def _node_of(position: str, known: set[str]) -> str:
    """The node an order at `position` is shown at: its instruction, or the end of its block."""
    if position in known:
        return position
    block_end = position.rsplit(":", 1)[0] + ":end" if ":" in position else "end"
    return block_end if block_end in known else "end"


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []

    def edge(self, source: str, target: str, label: str = "") -> None:
        self.edges.append(
            {"data": {"id": f"{source}>{target}", "source": source, "target": target, "label": label}}
        )

    def block(self, instructions: Iterable[Any], end_id: str, end_label: str) -> tuple[str, list[str]]:
        """Adds a block; its first node and the nodes that lead out of it."""
        first: str | None = None
        leaving: list[str] = []
        for instruction in instructions:
            if not isinstance(instruction, dict):
                continue
            node_id = str(instruction.get("positionString"))
            self.nodes.append(
                {"data": {"id": node_id, "title": _title(instruction), "kind": instruction.get("TYPE")}}
            )
            for source in leaving:
                self.edge(source, node_id)
            first = first or node_id
            leaving = [node_id]
            for name, inner in _blocks(instruction):
                inner_end = _end_of(inner) or f"{node_id}/{name}:end"
                start, inner_leaving = self.block(inner, inner_end, "")
                self.edge(node_id, start, name)
                leaving += inner_leaving
        self.nodes.append({"data": {"id": end_id, "title": end_label, "kind": "End"}})
        for source in leaving:
            self.edge(source, end_id)
        return first or end_id, [end_id] if end_label == "" else []


def elements(instructions: list[Any], positions: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Cytoscape's elements of the workflow (instructions with their `positionString`, as the API shows them);
    each node's `orders` is how many of the `positions` (orders' position strings) are at it."""
    builder = _Builder()
    builder.block(instructions, "end", "end")
    known = {node["data"]["id"] for node in builder.nodes}
    counts = Counter(_node_of(position, known) for position in positions)
    for node in builder.nodes:
        count = counts.get(node["data"]["id"], 0)
        node["data"]["orders"] = count
        title = node["data"]["title"]
        node["data"]["label"] = f"{title}\n{count} order{'s' if count != 1 else ''}" if count else title
    return [*builder.nodes, *builder.edges]
