"""`pip install stellwerk` from a built wheel: the wheel carries the UI's templates and static files and the
Cockpit's migrations, and `stellwerk standalone` runs from a virtual environment that has the wheel installed
(its dependencies come from this environment, so the test needs no download), serving the UI."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
UV = Path(sys.executable).parent / "uv"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [str(UV), "build", "--wheel", "--out-dir", str(dist), str(ROOT)], capture_output=True, text=True
    )
    if built.returncode != 0:
        pytest.skip(f"the wheel could not be built here (uv build: {built.stderr.strip()[-300:]})")
    [found] = dist.glob("stellwerk-*.whl")
    return found


def test_the_wheel_carries_the_ui_and_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "stellwerk/cockpit/ui/templates/base.html" in names
    assert "stellwerk/cockpit/ui/static/app.js" in names
    assert any(name.startswith("stellwerk/cockpit/ui/static/vendor/htmx") for name in names), sorted(names)[
        :20
    ]
    assert any(name.startswith("stellwerk/cockpit/db/migrations/versions/0001") for name in names)
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "stellwerk = stellwerk.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def _installed(wheel: Path, folder: Path) -> Path:
    """A fresh virtual environment with the wheel; the dependencies are this environment's (by a .pth line,
    which does not run this environment's own .pth files, so its editable stellwerk stays out)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(UV), "pip", "install", "--no-deps", "--offline", "--python", str(python), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "bin"


def test_standalone_runs_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    bin_folder = _installed(wheel, tmp_path / "venv")
    where = subprocess.run(
        [str(bin_folder / "python"), "-c", "import stellwerk; print(stellwerk.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert str(tmp_path / "venv") in where and str(ROOT / "src") not in where
    helped = subprocess.run(
        [str(bin_folder / "stellwerk"), "standalone", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "--data" in helped.stdout

    output = tmp_path / "standalone.out"
    arguments = [
        "standalone",
        "--data",
        str(tmp_path / "data"),
        "--port",
        "0",
        "--http",
        "--admin-password",
        "pw",
    ]
    with output.open("w") as sink:
        standalone = subprocess.Popen(
            [str(bin_folder / "stellwerk"), *arguments], stdout=sink, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    try:
        _wait_for(lambda: "Stop with Ctrl-C" in output.read_text() or standalone.poll() is not None, 60)
        cockpit = re.search(r"Cockpit: (\S+)", output.read_text())
        assert cockpit, output.read_text()
        for path in ("/ui/login", "/ui/static/app.js"):
            with urllib.request.urlopen(cockpit[1].rstrip("/") + path, timeout=10) as answer:
                assert answer.status == 200, path
        standalone.send_signal(signal.SIGINT)
        assert standalone.wait(30) == 0, output.read_text()
    finally:
        if standalone.poll() is None:
            standalone.kill()
            standalone.wait()


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s"
        time.sleep(0.1)
