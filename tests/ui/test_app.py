"""Starting the application: the cold-start report the benchmark reads, and the start time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from ui.app import process_start_epoch

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STRONGROOM_QUIT_WHEN_SHOWN": "1",
           "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), **extra}
    return subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_quit_when_shown_prints_the_start_time_and_exits_cleanly(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(r"shown (\d+\.\d+)\n", result.stdout)
    assert match, result.stdout
    assert 0 < float(match.group(1)) < 30


def test_t0_from_the_environment_is_the_reference(tmp_path: Path) -> None:
    result = _run(tmp_path, STRONGROOM_T0=str(time.time() - 100))
    assert result.returncode == 0, result.stderr
    assert 100 <= float(result.stdout.split()[1]) < 130


def test_process_start_is_in_the_recent_past() -> None:
    started = process_start_epoch()
    assert time.time() - 24 * 3600 < started <= time.time()
