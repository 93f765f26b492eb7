"""JOC's returnCodeMeaning (`success`, `failure`, `warning`, `failure: "none"`) as the engine's.

Warning codes count as success for the engine (they only affect JOC's notifications), as JOC does at deployment.
"""

from __future__ import annotations

from stellwerk.inventory.joc_jobs import Codes, JocReturnCode
from stellwerk.inventory.located import Finding
from stellwerk.model.jobs import ReturnCodeMeaning, parse_code_ranges

Ranges = list[tuple[int, int]]


def convert_return_codes(joc: JocReturnCode, path: str) -> ReturnCodeMeaning | Finding:
    if joc.success is not None and joc.failure is not None:
        return Finding(path, "give either success or failure, not both")
    if joc.failure == "none":
        return ReturnCodeMeaning(failure=())
    parsed: dict[str, Ranges] = {}
    for field, codes in (("success", joc.success), ("failure", joc.failure), ("warning", joc.warning)):
        if codes is not None:
            ranges = code_ranges(codes)
            if ranges is None:
                return Finding(f"{path}.{field}", f'invalid return codes {codes!r} (expected like "0,3..5")')
            parsed[field] = ranges
    if "warning" not in parsed:
        return ReturnCodeMeaning(success=joc.success, failure=joc.failure)
    as_list = all(isinstance(c, tuple) for c in (joc.success, joc.failure, joc.warning) if c is not None)
    if "failure" in parsed:
        return ReturnCodeMeaning(failure=_render(_subtract(parsed["failure"], parsed["warning"]), as_list))
    success = parsed.get("success", [(0, 0)])
    return ReturnCodeMeaning(success=_render(_merge(success + parsed["warning"]), as_list))


def code_ranges(codes: Codes) -> Ranges | None:
    if isinstance(codes, str):
        return parse_code_ranges(codes)
    return [(c, c) for c in codes]


def _merge(ranges: Ranges) -> Ranges:
    merged: Ranges = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _subtract(ranges: Ranges, removed: Ranges) -> Ranges:
    result = _merge(ranges)
    for r_low, r_high in _merge(removed):
        remaining: Ranges = []
        for low, high in result:
            if low < r_low:
                remaining.append((low, min(high, r_low - 1)))
            if high > r_high:
                remaining.append((max(low, r_high + 1), high))
        result = remaining
    return result


def _render(ranges: Ranges, as_list: bool) -> Codes:
    if as_list or not ranges:
        return tuple(c for low, high in ranges for c in range(low, high + 1))
    return ",".join(str(low) if low == high else f"{low}..{high}" for low, high in ranges)
