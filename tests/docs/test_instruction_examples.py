"""docs/instructions.md: every example converts and is valid per JOC's published schema, every instruction of
JOC's inventory has an example (deprecated and internal ones aside), and the examples run to their end with real
job processes, as `stellwerk run --skip-time` runs them; the Prompt example once its prompt is answered."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

import pytest

from stellwerk.cli.run import run
from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.joc_instructions import JocInstruction
from stellwerk.model.problems import Problem
from tests.examples.test_examples import kind_of, run_files, types_in
from tests.inventory.schema import schema_errors

DOC = Path(__file__).parents[2] / "docs" / "instructions.md"
BLOCK = re.compile(r"```json (\S+\.json)\n(.*?)```", re.DOTALL)
# Superseded by their plural forms (PostNotices, ExpectNotices), or not written by people (ImplicitEnd, Segment).
NOT_DOCUMENTED = {"PostNotice", "ExpectNotice", "ImplicitEnd", "Segment"}
WAITS_FOR_AN_ANSWER = {"prompt.workflow.json"}


def blocks() -> dict[str, str]:
    found = dict(BLOCK.findall(DOC.read_text()))
    assert found, "no examples found"
    return found


def instruction_types() -> set[str]:
    members = typing.get_args(JocInstruction)
    return {member.__struct_config__.tag for member in members} - NOT_DOCUMENTED


@pytest.mark.parametrize("name", sorted(blocks()))
def test_every_example_converts_and_is_valid_per_the_published_schema(name: str) -> None:
    text = blocks()[name]
    assert schema_errors(kind_of(Path(name)), json.loads(text)) == []
    item = decode_item(text.encode(), file_name=name)
    assert not isinstance(item, Problem), item.message


def test_every_instruction_has_an_example() -> None:
    shown = {
        t
        for name, text in blocks().items()
        if name.endswith(".workflow.json")
        for t in types_in(json.loads(text))
    }
    assert instruction_types() - shown == set()


def _written(folder: Path, skip: set[str]) -> list[Path]:
    paths = []
    for name, text in blocks().items():
        if name not in skip:
            (folder / name).write_text(text)
            paths.append(folder / name)
    return paths


async def test_the_examples_run_to_their_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = await run_files(_written(tmp_path, WAITS_FOR_AN_ANSWER), [], capsys)
    assert result.code == 0, result.summary
    orders = result.top_level_orders()
    workflows = {name.split(".")[0] for name in blocks() if name.endswith(".workflow.json")}
    assert set(orders.values()) == workflows - {"prompt"}
    assert [key for key in orders if not result.finished_successfully(key)] == []
    assert result.stdout_of("tryRetry") == ["first try\nsecond try\n"]
    assert result.stdout_of("cycle") == ["tick\ntick\ntick\n"]
    assert result.stdout_of("finish") == [""]  # the job after Finish did not run
    children = sorted(result.stdout(key) for key in {e["Key"] for e in result.events} if "|" in key)
    assert {"pinging alpha\n", "pinging beta\n", "left\n", "right\n"} <= set(children)


async def test_the_prompt_example_waits_and_an_unanswered_run_is_reported_stuck(tmp_path: Path) -> None:
    (tmp_path / "prompt.workflow.json").write_text(blocks()["prompt.workflow.json"])
    code = await run([tmp_path], [], skip_time=True, time_limit=30)
    assert code == 3  # EXIT_STUCK: the order waits for its answer
