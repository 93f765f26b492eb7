"""The example workflows in examples/: every file is valid JOC inventory JSON that converts, the items refer only
to each other and to the Agent "agent", and every workflow runs to its end with real job processes — through the
function behind `stellwerk run --skip-time`, one run per folder — or, for the prompt, once its prompt is answered."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from stellwerk.cli.run import run
from stellwerk.engine.commands import execute_command
from stellwerk.engine.state import EngineState
from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.references import verify_references
from stellwerk.model import events as e
from stellwerk.model.commands import AddOrder, AnswerOrderPrompt, Command, FreshOrder
from stellwerk.model.items import GlobalBoard, JobResource, LockItem, PlannableBoard
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow
from stellwerk.runner.executors import ExecutionSettings
from stellwerk.runner.loading import inventory_files, load_items, state_of
from stellwerk.runner.local import LocalRun
from tests.inventory.schema import schema_errors

EXAMPLES = Path(__file__).parents[2] / "examples"
AGENT = "agent"
# Workflows whose orders wait for a person: not in the folder runs, answered in a test of their own.
WAITS_FOR_AN_ANSWER = {"prompt", "releaseApproval"}
FAMILIES = {
    "Execute.Named",
    "ShellScriptExecutable",
    "InternalExecutable",
    "If",
    "CaseWhen",
    "Try",
    "Retry",
    "Cycle",
    "Sleep",
    "Finish",
    "Fail",
    "Fork",
    "ForkList",
    "Lock",
    "PostNotices",
    "ExpectNotices",
    "Prompt",
    "AddOrder",
}


def item_files() -> list[Path]:
    return sorted(EXAMPLES.rglob("*.json"))


def folders() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def runnable_files(folder: Path) -> list[Path]:
    """The folder's item files, but for the workflows that wait for an answer."""
    return [p for p in sorted(folder.rglob("*.json")) if name_of(p) not in WAITS_FOR_AN_ANSWER]


def kind_of(path: Path) -> str:
    return path.name.split(".")[-2]


def name_of(path: Path) -> str:
    return path.name.split(".")[0]


def types_in(tree: Any) -> Iterator[str]:
    """Every TYPE in a JSON tree: instructions, executables, periods, repeats."""
    if isinstance(tree, dict):
        if isinstance(tree.get("TYPE"), str):
            yield tree["TYPE"]
        for value in tree.values():
            yield from types_in(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from types_in(value)


# --- the files ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", item_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_per_published_schema_and_converts(path: Path) -> None:
    assert schema_errors(kind_of(path), json.loads(path.read_text())) == []
    item = decode_item(path.read_bytes(), file_name=str(path))
    assert not isinstance(item, Problem), item.message


def test_the_runner_reads_every_json_file_and_nothing_else_is_left_over() -> None:
    files = inventory_files([EXAMPLES])
    assert not isinstance(files, Problem)
    assert sorted(files) == item_files()
    files_there = {p for p in EXAMPLES.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    others = {p.relative_to(EXAMPLES).as_posix() for p in files_there - set(item_files())}
    assert others == {"README.md", "basics/greeting.py"}


def test_the_items_refer_to_each_other_and_every_job_runs_on_the_agent() -> None:
    items = load_items([EXAMPLES])
    assert not isinstance(items, Problem), items.message
    engine_items = [
        x for x in items if isinstance(x, Workflow | LockItem | GlobalBoard | PlannableBoard | JobResource)
    ]
    workflows = [x for x in engine_items if isinstance(x, Workflow)]
    assert [p.message for p in verify_references(workflows, engine_items, known_agents={AGENT})] == []
    assert not isinstance(state_of(items), Problem)


def test_one_example_per_instruction_family() -> None:
    found = {t for p in item_files() if kind_of(p) == "workflow" for t in types_in(json.loads(p.read_text()))}
    assert FAMILIES - found == set()
    assert {kind_of(p) for p in item_files()} == {
        "workflow",
        "jobresource",
        "lock",
        "noticeboard",
        "fileordersource",
    }


def test_the_readme_names_every_workflow() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    missing = [p.relative_to(EXAMPLES).as_posix() for p in item_files() if f"`{name_of(p)}`" not in readme]
    assert missing == []


# --- the runs -----------------------------------------------------------------------------------------------


@dataclass
class Run:
    """The events of one run, as `stellwerk run` prints them."""

    code: int
    events: list[dict[str, Any]] = field(repr=False)
    summary: str = ""

    def top_level_orders(self) -> dict[str, str]:
        """order id -> workflow name, for orders added by the run or by an AddOrder instruction."""
        orders = {}
        for event in self.events:
            if event["TYPE"] == "OrderAdded" and "|" not in event["Key"]:
                orders[event["Key"]] = event["workflowId"]["path"]
            elif event["TYPE"] == "OrderOrderAdded":
                orders[event["orderId"]] = event["workflowId"]["path"]
        return orders

    def orders_of(self, workflow: str) -> list[str]:
        return [key for key, name in self.top_level_orders().items() if name == workflow]

    def types(self, key: str) -> list[str]:
        return [event["TYPE"] for event in self.events if event["Key"] == key]

    def stdout(self, key: str) -> str:
        return "".join(
            e["chunk"] for e in self.events if e["Key"] == key and e["TYPE"] == "OrderStdoutWritten"
        )

    def stdout_of(self, workflow: str) -> list[str]:
        """The output of each order of the workflow, sorted (orders run side by side)."""
        return sorted(self.stdout(key) for key in self.orders_of(workflow))

    def index(self, key: str, event_type: str) -> int:
        return next(n for n, e in enumerate(self.events) if e["Key"] == key and e["TYPE"] == event_type)

    def finished_successfully(self, key: str) -> bool:
        endings = [e for e in self.events if e["Key"] == key and e["TYPE"] == "OrderFinished"]
        return len(endings) == 1 and endings[0].get("outcome", {}).get("TYPE", "Succeeded") == "Succeeded"


def check_basics(run: Run) -> None:
    assert run.stdout_of("hello") == ["hello, added order\n", "hello, world\n"]
    assert run.stdout_of("pythonJob") == ["greeting Stellwerk\nthe Python job said: hello, Stellwerk\n"]
    assert run.stdout_of("sleep") == ["going to sleep\nawake again\n"]
    [sleeper] = run.orders_of("sleep")
    assert "OrderSleeping" in run.types(sleeper)
    assert run.stdout_of("addOrder") == ["an order of hello was added\n"]


def check_control(run: Run) -> None:
    assert run.stdout_of("ifElse") == ["processing 3 files\n"]
    assert run.stdout_of("caseWhen") == ["medium batch\n"]
    assert run.stdout_of("tryCatchRetry") == ["try 1\ntry 2\n"]
    assert run.stdout_of("cycle") == ["tick\ntick\ntick\nthree ticks done\n"]
    assert run.stdout_of("finish") == [""]
    assert run.stdout_of("fail") == ["checking the input\ncaught a failure with return code 3\n"]


def check_parallel(run: Run) -> None:
    assert run.stdout_of("forkJoin") == ["left=2 right=5\n"]
    [parent] = run.orders_of("forkList")
    children = sorted(
        run.stdout(key) for key in {e["Key"] for e in run.events} if key.startswith(parent + "|")
    )
    assert children == ["checking alpha\n", "checking beta\n", "checking gamma\n"]
    assert run.stdout(parent) == "all hosts checked\n"


def check_coordination(run: Run) -> None:
    first, second = run.orders_of("exclusiveLock")
    assert run.stdout_of("exclusiveLock") == ["in the critical section\n"] * 2
    assert run.index(second, "OrderLocksQueued") < run.index(first, "OrderLocksReleased")
    assert run.index(first, "OrderLocksReleased") < run.index(second, "OrderLocksAcquired")
    [expecting], [posting] = run.orders_of("noticeExpect"), run.orders_of("noticePost")
    assert run.index(expecting, "OrderNoticesExpected") < run.index(posting, "OrderNoticePosted")
    assert run.index(posting, "OrderNoticePosted") < run.index(expecting, "OrderNoticesRead")
    assert run.stdout(expecting) == "data used\n"


def check_realistic(run: Run) -> None:
    [etl] = run.orders_of("etlNightly")
    assert run.stdout(etl) == (
        "transforming 1200 orders of 80 customers, try 1\n"
        "transforming 1200 orders of 80 customers, try 2\n"
        "loaded 1200 rows for 2026-01-31\n"
    )
    [transfer] = run.orders_of("fileTransfer")
    assert run.stdout(transfer).endswith("transferring /etc/hostname (1 lines) to the archive\n")
    [report], [close] = run.orders_of("monthEndReport"), run.orders_of("monthEndClose")
    assert run.index(report, "OrderNoticesExpected") < run.index(close, "OrderNoticePosted")
    assert run.index(close, "OrderNoticePosted") < run.index(report, "OrderNoticesRead")


CHECKS: dict[str, Callable[[Run], None]] = {
    "basics": check_basics,
    "control": check_control,
    "parallel": check_parallel,
    "coordination": check_coordination,
    "realistic": check_realistic,
}
# Orders other than one per workflow; the expecting order comes first, so that it is seen waiting.
ORDERS = {
    "realistic": [
        {"workflowName": "monthEndReport"},
        {"workflowName": "monthEndClose"},
        {"workflowName": "etlNightly"},
        {"workflowName": "fileTransfer"},
    ],
    "coordination": [
        {"workflowName": "exclusiveLock"},
        {"workflowName": "exclusiveLock"},
        {"workflowName": "noticeExpect"},
        {"workflowName": "noticePost"},
    ],
}


async def run_files(
    paths: list[Path], orders: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> Run:
    code = await run(paths, [json.dumps(o) for o in orders], skip_time=True, time_limit=60)
    captured = capsys.readouterr()
    assert captured.out, captured.err
    return Run(code, [json.loads(line) for line in captured.out.splitlines()], captured.err)


@pytest.mark.parametrize("folder", folders(), ids=lambda p: p.name)
async def test_every_workflow_of_the_folder_finishes(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = runnable_files(folder)
    workflows = {name_of(p) for p in files if kind_of(p) == "workflow"}
    result = await run_files(files, ORDERS.get(folder.name, []), capsys)
    assert result.code == 0, result.summary
    orders = result.top_level_orders()
    assert set(orders.values()) == workflows
    assert [key for key in orders if not result.finished_successfully(key)] == []
    CHECKS[folder.name](result)


@pytest.mark.parametrize(
    ("path", "question", "output"),
    [
        ("coordination/prompt.workflow.json", "Deploy now?", "deployed\n"),
        ("realistic/releaseApproval.workflow.json", "Release 1.0.0?", "built 1.0.0\nreleased 1.0.0\n"),
    ],
    ids=lambda value: value.split("/")[-1].split(".")[0] if "/" in str(value) else "",
)
async def test_a_prompt_waits_for_its_answer_then_finishes(
    tmp_path: Path, path: str, question: str, output: str
) -> None:
    items = load_items([EXAMPLES / path])
    assert not isinstance(items, Problem)
    state = state_of(items)
    assert isinstance(state, EngineState)
    state.agent_env = {}
    seen: list[e.KeyedEvent] = []
    local = LocalRun(state, seen.append, tmp_path, skip_time=True, settings=ExecutionSettings())

    def command(cmd: Command) -> None:
        events = execute_command(state, cmd, local.clock.now())
        assert not isinstance(events, Problem), events.message
        assert local.apply(events) is None

    order_id = "#2024-01-01#T1-asking"
    command(AddOrder(order=FreshOrder(id=order_id, workflow_path=name_of(EXAMPLES / path))))
    await local.drive(lambda: False)
    prompted = seen[-1].event
    assert isinstance(prompted, e.OrderPrompted) and prompted.question == question
    command(AnswerOrderPrompt(order_id=order_id))
    await local.drive(lambda: state.orders[order_id].is_terminated)
    stdout = "".join(k.event.chunk for k in seen if isinstance(k.event, e.OrderStdoutWritten))
    assert stdout == output
    assert isinstance(seen[-1].event, e.OrderFinished)
