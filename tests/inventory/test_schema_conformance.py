"""Every conformance example and test fixture is valid per the published inventory schemas (and the
validator is not vacuous: it rejects what the schemas forbid)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.inventory.helpers import example_files, fixture_files
from tests.inventory.schema import schema_errors


def _load(path: Path) -> Any:
    text = path.read_text()
    return yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)


def test_every_example_folder_is_there() -> None:
    folders = {p.parent.name.split("_")[0] for p in example_files()}
    assert folders == {f"e{n}" for n in range(1, 16)}


@pytest.mark.parametrize("path", example_files() + fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_per_published_schema(path: Path) -> None:
    kind = path.name.split(".")[-2]
    assert schema_errors(kind, _load(path)) == []


@pytest.mark.parametrize(
    ("kind", "document", "error"),
    [
        (
            "workflow",
            {"instructions": [{"TYPE": "Execute.Named", "jobName": "a"}]},
            "$.instructions[0]: 'label' is a required property",
        ),
        ("workflow", {"instructions": [{"TYPE": "Nope"}]}, "$.instructions[0].TYPE: 'Nope' is not one of"),
        (
            "workflow",
            {"instructions": [{"TYPE": "Retry", "x": 1}]},
            "$.instructions[0]: Additional properties are not allowed ('x' was unexpected)",
        ),
        ("lock", {"limit": "1"}, "$.limit: '1' is not of type 'integer'"),
        (
            "workflow",
            {
                "instructions": [
                    {
                        "TYPE": "Cycle",
                        "schedule": {"schemes": [{"repeat": {"TYPE": "Periodic", "period": 1}}]},
                        "cycleWorkflow": {"instructions": [{"TYPE": "Break"}]},
                    }
                ]
            },
            "$.instructions[0].schedule.schemes[0].repeat: 'offsets' is a required property",
        ),
    ],
)
def test_schema_rejects(kind: str, document: dict[str, Any], error: str) -> None:
    assert any(e.startswith(error) for e in schema_errors(kind, document)), schema_errors(kind, document)
