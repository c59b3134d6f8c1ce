"""kill -9 while writing: every committed audit entry survives and the chain verifies; a rekey
cut short at any step leaves a vault that opens for everyone who should still get in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.audit import AuditFilter
from core.auth import Authenticator
from core.errors import AuthenticationFailed
from core.roles import Role
from tests.conftest import ADMIN, ROOT, USERS
from tests.storage.rawvault import opens_with, slot_data

pytestmark = pytest.mark.slow

MEI, MEI_PW = USERS[Role.SALES_MANAGER]

# The child process builds its own opener with the cheap KDF, as the brief of these tests asks.
PRELUDE = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from core.audit import AuditFilter, now_utc
    from core.auth import Authenticator
    from core.passwords import HistoryHasher, PasswordRules
    from core.policy import Policy
    from core.session import AppContext
    from storage.crypto import Argon2Params
    from storage.vault import SqlCipherVaults

    CHEAP_KDF = Argon2Params(memory_kib=1024, time_cost=1, parallelism=1)
    rules = PasswordRules(frozenset(), HistoryHasher(memory_kib=1024, time_cost=1, parallelism=1))
    auth = Authenticator(SqlCipherVaults(kdf=CHEAP_KDF),
                         AppContext(rules=rules, credentials=None, clock=now_utc))
    vault = Path(sys.argv[1])
""").format(root=str(ROOT))

APPENDER = PRELUDE + textwrap.dedent("""
    session = auth.login(vault, sys.argv[2], sys.argv[3])
    i = 0
    while True:
        i += 1
        session.policies.update(session.user, Policy(idle_minutes=1 + i % 200))
        seq = session.audit.page(session.user, AuditFilter(), limit=1)[0].seq
        print(seq, flush=True)
""")


def _run(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=str(ROOT))


@pytest.mark.parametrize("commits", [5, 29])
def test_kill_9_during_writes_loses_no_committed_entry(commits: int, auth: Authenticator,
                                                       vault_path: Path) -> None:
    child = _run(APPENDER, vault_path, *ADMIN)
    assert child.stdout is not None
    printed: list[int] = []
    try:
        while len(printed) < commits:
            line = child.stdout.readline()
            if not line:
                raise AssertionError(f"child stopped early: {child.stderr.read()}")  # type: ignore[union-attr]
            printed.append(int(line))
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert printed == list(range(printed[0], printed[0] + commits))

    session = auth.login(vault_path, *ADMIN)
    try:
        present = {e.seq for e in session.audit.page(session.user, AuditFilter(), limit=10_000)}
        assert set(printed) <= present
        result = session.audit.verify(session.user)
        assert result.ok, result.problem
    finally:
        session.close()


# Where the rekey of disable_user is cut short (os._exit, as abrupt as a power cut for our
# purposes: no cleanup, no finally blocks).
CRASH_POINTS = {
    # The new generation is exported but nothing points at it yet.
    "after-export": """
        import storage.open_vault as ov
        real = ov.connect
        def connect(path, key, create=False):
            if path.name != data_file:
                os._exit(17)
            return real(path, key, create)
        ov.connect = connect
    """,
    # The slot file already names the new generation; the old files are still there.
    "after-slot-write": """
        import storage.slotfile as sf
        real = sf.write
        def write(folder, data, key):
            real(folder, data, key)
            if data["db_file"] != data_file:
                os._exit(17)
        sf.write = write
    """,
    # The connection moved over; the old generation not yet deleted.
    "after-swap": """
        from storage.database import Database
        real = Database.swap
        def swap(self, conn, path):
            real(self, conn, path)
            os._exit(17)
        Database.swap = swap
    """,
    # The rekey finished; the account row not yet marked disabled.
    "after-rekey": """
        from storage.open_vault import OpenVault
        real = OpenVault.remove_slots_and_rekey
        def rekey(self, slot_ids):
            real(self, slot_ids)
            os._exit(17)
        OpenVault.remove_slots_and_rekey = rekey
    """,
}

DISABLER = PRELUDE + textwrap.dedent("""
    import json
    data_file = json.loads((vault / "keyslots.json").read_text())["db_file"]
    session = auth.login(vault, sys.argv[2], sys.argv[3])
    mei = session.accounts.find(session.user, sys.argv[4])
    {patch}
    session.accounts.disable_user(session.user, mei.id)
    sys.exit(3)  # the crash point was never reached
""")


@pytest.mark.parametrize("point", sorted(CRASH_POINTS))
def test_a_rekey_cut_short_leaves_a_vault_that_opens(point: str, auth: Authenticator,
                                                     vault_path: Path) -> None:
    admin = auth.login(vault_path, *ADMIN)
    old_key = admin.vault.export_key(admin.user)
    admin.close()
    script = DISABLER.replace("{patch}", textwrap.dedent(CRASH_POINTS[point]))
    child = _run(script, vault_path, *ADMIN, MEI)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 17, err
    generations = sorted(p.name for p in vault_path.glob("vault-*.db"))
    assert generations == (["vault-2.db"] if point == "after-rekey"
                           else ["vault-1.db", "vault-2.db"])

    switched = slot_data(vault_path)["db_file"] != "vault-1.db"
    assert switched == (point != "after-export")
    # Everyone who should get in still does, and the trail is whole.
    for name, password in [ADMIN, *(USERS[r] for r in USERS if r != Role.SALES_MANAGER)]:
        auth.login(vault_path, name, password).close()
    session = auth.login(vault_path, *ADMIN)
    try:
        result = session.audit.verify(session.user)
        assert result.ok, result.problem
        current_key = session.vault.export_key(session.user)
    finally:
        session.close()
    # Only the generation in force is left on disk after the next open.
    assert sorted(p.name for p in vault_path.glob("vault-*.db")) == \
        [slot_data(vault_path)["db_file"]]
    if switched:
        # The rekey took: Mei's old slot and the old key open nothing.
        with pytest.raises(AuthenticationFailed):
            auth.login(vault_path, MEI, MEI_PW)
        assert not opens_with(vault_path / slot_data(vault_path)["db_file"], old_key)
        assert opens_with(vault_path / slot_data(vault_path)["db_file"], current_key)
    else:
        # Nothing took: Mei is still a user, and disabling her now works.
        auth.login(vault_path, MEI, MEI_PW).close()
        admin = auth.login(vault_path, *ADMIN)
        admin.accounts.disable_user(admin.user, admin.accounts.find(admin.user, MEI).id)
        admin.close()
        with pytest.raises(AuthenticationFailed):
            auth.login(vault_path, MEI, MEI_PW)
