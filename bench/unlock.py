"""Unlock and cold-start timings, each beside a baseline and its target.

    .venv/bin/python bench/unlock.py [--runs 5] [--skip-start] [--skip-unlock]

(a) unlock = Argon2id + open (integrity check, migrations check, login audit entry) + first read,
    with the real calibrated parameters on a demo vault made in a temporary folder. Baselines
    (design.md): the same sqlcipher3 engine opening an unkeyed copy of the database and doing the
    same first read; also the keyed open alone (no KDF) and the KDF alone.
(b) cold start of `python main.py` to the first window, offscreen. The window reports the time
    since STRONGROOM_T0 (`shown <seconds>`) and quits when STRONGROOM_QUIT_WHEN_SHOWN is set;
    the wall time of the whole process is measured too. Baseline: a bare interpreter start.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNLOCK_TARGET, START_TARGET = 0.6, 1.0
START_TIMEOUT = 20.0
FIRST_READ = ("SELECT id, name, role, active, must_change_password, created_at, slot_id, "
              "last_login_at, display_name FROM users ORDER BY name_key")


def median_of(runs: int, action: Callable[[], None]) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<44} {seconds * 1000:8.1f} ms  {note}".rstrip())


def verdict(seconds: float, target: float) -> str:
    return f"target <= {target:.1f} s: {'OK' if seconds <= target else 'OVER'}"


# -- (a) unlock ---------------------------------------------------------------------------------
def bench_unlock(runs: int, workdir: Path) -> None:
    import sqlcipher3

    from core.demo import DEMO_USERS, create_demo_vault
    from main import build_authenticator
    from storage.crypto import Argon2Params, argon2id
    from storage.database import connect
    from storage.slots import password_bytes

    auth = build_authenticator(credentials=None)
    vault = workdir / "vault"
    print("(a) unlock — creating a demo vault with calibrated Argon2id…", flush=True)
    start = time.perf_counter()
    create_demo_vault(auth, vault)
    print(f"  vault created in {time.perf_counter() - start:.1f} s")
    slots = json.loads((vault / "keyslots.json").read_text(encoding="utf-8"))
    params = Argon2Params.from_dict(slots["kdf_default"])
    print(f"  Argon2id parameters: m={params.memory_kib // 1024} MiB, t={params.time_cost}, "
          f"p={params.parallelism} (cores: {os.cpu_count()})")
    admin = DEMO_USERS[0]

    def unlock() -> None:
        session = auth.login(vault, admin.name, admin.password)
        try:
            session.accounts.list_users(session.user)
        finally:
            session.close()

    session = auth.login(vault, admin.name, admin.password)
    try:
        key = bytes.fromhex(session.vault.export_key(session.user))
    finally:
        session.close()
    db_path = vault / slots["db_file"]
    plain_path = workdir / "plain.db"
    conn = connect(db_path, key)
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain_path),))
    conn.execute("SELECT sqlcipher_export('plain')").fetchall()
    conn.execute("DETACH DATABASE plain")
    conn.close()
    salt = os.urandom(16)

    def kdf() -> None:
        argon2id(password_bytes(admin.password), salt, params)

    def keyed_open_read() -> None:
        c = connect(db_path, key)
        c.execute(FIRST_READ).fetchall()
        c.close()

    def plain_open_read() -> None:
        c = sqlcipher3.connect(str(plain_path), isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "secure_delete = ON",
                       "foreign_keys = ON", "temp_store = MEMORY"):
            c.execute(f"PRAGMA {pragma}").fetchall()
        c.execute(FIRST_READ).fetchall()
        c.close()

    # Interleaved, so that load from other processes (Argon2 uses every core) or a change of
    # CPU clock affects every figure alike instead of biasing one of them.
    actions = {"unlock": unlock, "kdf": kdf, "keyed": keyed_open_read, "plain": plain_open_read}
    for action in actions.values():
        action()  # warm the page cache and imports: a cold disk is another benchmark
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    unlock_s, kdf_s, keyed_s, plain_s = (statistics.median(times[n]) for n in actions)
    unlock_all = times["unlock"]
    print(f"  median of {runs} runs:")
    line("unlock: login (KDF+open+checks) + first read", unlock_s,
         verdict(unlock_s, UNLOCK_TARGET))
    line("  of which Argon2id alone", kdf_s)
    line("  rest (slots, open, integrity, audit entry)", unlock_s - kdf_s)
    line("keyed open + first read, no KDF", keyed_s)
    line("baseline: unkeyed sqlcipher3 open + read", plain_s)
    print("  all unlock runs: " + ", ".join(f"{t:.3f}" for t in unlock_all) + " s")


# -- (b) cold start -----------------------------------------------------------------------------
def _start_env(home: Path) -> dict[str, str]:
    runtime = home / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "STRONGROOM_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_STATE_HOME=str(home / "state"), XDG_RUNTIME_DIR=str(runtime),
               QT_QPA_PLATFORM="offscreen", STRONGROOM_QUIT_WHEN_SHOWN="1")
    return env


def _one_start(env: dict[str, str]) -> tuple[float | None, float, str]:
    """(time reported by the window or None, wall time, why there is no report)."""
    env = {**env, "STRONGROOM_T0": repr(time.time())}
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, text=True,
                              capture_output=True, timeout=START_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start, (
            f"no window report within {START_TIMEOUT:.0f} s (quit-when-shown hook missing?)")
    wall = time.perf_counter() - start
    for out_line in done.stdout.splitlines():
        if out_line.startswith("shown "):
            try:
                return float(out_line.split()[1]), wall, ""
            except (IndexError, ValueError):
                break
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return None, wall, f"no 'shown <seconds>' line (exit {done.returncode}: {last[:120]})"


def bench_start(runs: int, workdir: Path) -> None:
    print("(b) cold start to the first window (offscreen)", flush=True)
    home = workdir / "home"
    home.mkdir()
    env = _start_env(home)
    bare_s, _ = median_of(runs, lambda: subprocess.run([sys.executable, "-c", "pass"],
                                                       check=True))
    reported: list[float] = []
    walls: list[float] = []
    for _ in range(runs + 1):  # the first run warms the disk cache and writes .pyc files
        shown, wall, problem = _one_start(env)
        if shown is None:
            print(f"  window not measured: {problem}")
            line("baseline: bare interpreter start", bare_s)
            return
        reported.append(shown)
        walls.append(wall)
    reported, walls = reported[1:], walls[1:]
    print(f"  median of {runs} runs (after one warm-up):")
    shown_s = statistics.median(reported)
    line("window shown (reported by the app)", shown_s, verdict(shown_s, START_TARGET))
    line("process wall time (start to exit)", statistics.median(walls))
    line("baseline: bare interpreter start", bare_s)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--skip-unlock", action="store_true")
    parser.add_argument("--skip-start", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="strongroom-bench-") as tmp:
        if not args.skip_unlock:
            bench_unlock(args.runs, Path(tmp))
        if not args.skip_start:
            bench_start(args.runs, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
