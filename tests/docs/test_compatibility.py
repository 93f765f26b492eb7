"""docs/compatibility.md says which JOC endpoints the Cockpit serves: it must match the Cockpit's routes now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent.parent


def test_the_compatibility_table_is_current() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "joc_compatibility.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
