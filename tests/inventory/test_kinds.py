from __future__ import annotations

import pytest

from stellwerk.inventory.kinds import FileName, ItemKind, split_file_name
from stellwerk.model.problems import Problem


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("hello.workflow.json", FileName("hello", ItemKind.WORKFLOW, False)),
        ("folder/sub/L1.lock.json", FileName("L1", ItemKind.LOCK, False)),
        ("B.noticeboard.yaml", FileName("B", ItemKind.NOTICEBOARD, True)),
        ("JR.jobresource.yml", FileName("JR", ItemKind.JOBRESOURCE, True)),
        ("in.fileordersource.json", FileName("in", ItemKind.FILEORDERSOURCE, False)),
        ("workdays.calendar.json", FileName("workdays", ItemKind.CALENDAR, False)),
        ("daily.schedule.yaml", FileName("daily", ItemKind.SCHEDULE, True)),
        ("tpl.jobtemplate.json", FileName("tpl", ItemKind.JOBTEMPLATE, False)),
        ("my.dotted.name.workflow.json", FileName("my.dotted.name", ItemKind.WORKFLOW, False)),
    ],
)
def test_split_file_name(file_name: str, expected: FileName) -> None:
    assert split_file_name(file_name) == expected


@pytest.mark.parametrize(
    ("file_name", "message"),
    [
        ("hello.workflow.txt", "hello.workflow.txt: not a .json, .yaml or .yml file"),
        (
            "hello.flow.json",
            (
                "hello.flow.json: unknown item kind 'flow' (expected one of .workflow, .lock, .noticeboard, "
                ".jobresource, .fileordersource, .calendar, .schedule, .jobtemplate)"
            ),
        ),
        (".workflow.json", ".workflow.json: empty item name"),
        ("a|b.workflow.json", "a|b.workflow.json: item name 'a|b' contains forbidden characters '|'"),
        (" a.workflow.json", " a.workflow.json: item name ' a' has leading or trailing white space"),
        ("x" * 256 + ".lock.json", "x" * 256 + ".lock.json: item name longer than 255 characters"),
    ],
)
def test_bad_file_names(file_name: str, message: str) -> None:
    assert split_file_name(file_name) == Problem(message)
