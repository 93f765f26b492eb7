"""Fuzz: whatever the bytes, decoding returns an item or a Problem naming the file and a JSON path; it never
raises. Random bytes, random JSON and real workflows (fixtures, examples, conformance examples) mutated."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.items import EngineItem, Item, RawItem
from stellwerk.inventory.kinds import ItemKind
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow
from tests.fuzzing import fuzzed, json_values, mutations
from tests.inventory.helpers import EXAMPLES, FIXTURES

FILE_NAMES = [f"x.{kind.value}.{suffix}" for kind in ItemKind for suffix in ("json", "yaml")]
KEYS = st.sampled_from(
    ["TYPE", "instructions", "jobs", "jobName", "label", "agentName", "agentPath", "executable", "script", "then",
     "predicate", "else", "try", "catch", "branches", "id", "workflow", "limit", "demands", "lockName", "count",
     "boardType", "noticeBoardNames", "path", "orderPreparation", "parameters", "type", "default", "block",
     "cases", "retryDelays", "maxTries", "children", "childToId", "returnCodeMeaning", "arguments", "cycle"]
) | st.text(max_size=4)  # fmt: skip
TYPES = st.sampled_from(
    ["Workflow", "Execute.Named", "If", "CaseWhen", "Try", "Retry", "Fork", "ForkList", "Lock", "Fail", "Finish",
     "Cycle", "Segment", "ShellScriptExecutable", "InternalExecutable", "Board", "GlobalBoard", "Lock", "String",
     "Prompt", "AddOrder", "PostNotices", "ExpectNotices", "ConsumeNotices", "StickySubagent", "Options"]
)  # fmt: skip
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8) | TYPES
    | st.sampled_from(["$a == 1", "'x'", "$returnCode > 0 ?", "agentA", "[1, 2]"])
)  # fmt: skip
JSON = json_values(SCALARS, KEYS)

REPOSITORY = Path(__file__).parent.parent.parent
WORKFLOW_FILES = sorted(
    [FIXTURES / "everything.workflow.json", *EXAMPLES.rglob("*.workflow.json"),
     *(REPOSITORY / "examples").rglob("*.workflow.json")]
)  # fmt: skip
WORKFLOWS = [json.loads(path.read_text()) for path in WORKFLOW_FILES]
# A JSON path as problems write it: `$.jobs.a`, `$.instructions[0]`, `$['odd key']` (a key in repr()).
_PATH = r"""\$(?:\.[A-Za-z_]\w*|\[\d+\]|\['(?:[^'\\]|\\.)*'\]|\["(?:[^"\\]|\\.)*"\])*"""


def _assert_precise(result: Item | Problem, file_name: str) -> None:
    """An item, or a Problem whose every finding reads "FILE: $path: message"."""
    if not isinstance(result, Problem):
        assert isinstance(result, RawItem | EngineItem)
        return
    finding = re.compile(rf"{re.escape(file_name)}: {_PATH}: \S.*", re.DOTALL)
    for text in re.split(rf"\n(?={re.escape(file_name)}: \$)", result.message):
        assert finding.fullmatch(text), text


def test_the_real_workflows_decode() -> None:
    assert len(WORKFLOWS) > 30
    for path, document in zip(WORKFLOW_FILES, WORKFLOWS, strict=True):
        assert isinstance(decode_item(json.dumps(document).encode(), file_name=path.name), Workflow), path


@fuzzed(300)
@given(st.binary(max_size=200), st.sampled_from(FILE_NAMES))
def test_random_bytes(data: bytes, file_name: str) -> None:
    _assert_precise(decode_item(data, file_name=file_name), file_name)


@fuzzed(400)
@given(JSON, st.sampled_from(FILE_NAMES))
def test_random_json(document: Any, file_name: str) -> None:
    _assert_precise(decode_item(json.dumps(document).encode(), file_name=file_name), file_name)


@fuzzed(400)
@given(st.data())
def test_mutated_real_workflows(data: st.DataObject) -> None:
    """One to three changes to a real workflow: a Workflow or a precise Problem, JSON and YAML alike."""
    document = data.draw(st.sampled_from(WORKFLOWS))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        document = data.draw(mutations(document, JSON, KEYS))
    file_name = data.draw(st.sampled_from(["w.workflow.json", "w.workflow.yaml"]))
    result = decode_item(json.dumps(document).encode(), file_name=file_name)
    _assert_precise(result, file_name)
    assert isinstance(result, Problem | Workflow)
