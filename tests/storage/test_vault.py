"""Creating, unlocking, locking and rekeying vaults (design.md §2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import storage.crypto
import storage.slots
import storage.vault
from core.audit import AuditFilter
from core.auth import Authenticator
from core.errors import (
    AuthenticationFailed,
    InvalidInput,
    PolicyViolation,
    StrongroomError,
    UnlockThrottled,
    VaultDamaged,
    VaultLocked,
    VaultTooNew,
)
from core.passwords import PasswordRules
from core.roles import Role
from core.session import Session
from storage.crypto import Argon2Params
from storage.migrate import LATEST
from storage.slots import USER, name_tag, open_db_key, open_private, password_bytes
from tests.conftest import ADMIN, CHEAP_KDF, USERS, make_authenticator
from tests.storage.conftest import FakeClock
from tests.storage.rawvault import (
    SLOT_FILE,
    db_path,
    opens_with,
    raw_connect,
    rewrite_slot_file,
    slot_data,
)

MEI, MEI_PW = USERS[Role.SALES_MANAGER]


def _actions(session: Session) -> list[str]:
    return [e.action for e in reversed(session.audit.page(session.user, AuditFilter()))]


def _user_slot(folder: Path, name: str) -> dict:
    data = slot_data(folder)
    tag = name_tag(data["tag_salt"], name)
    return next(s for s in data["slots"] if s["kind"] == USER and s["tag"] == tag)


# -- create / unlock / lock --------------------------------------------------------------------
def test_create_unlock_lock_cycle(auth: Authenticator, tmp_path: Path) -> None:
    path = tmp_path / "v"
    assert not auth.vault_exists(path)
    session, recovery = auth.create(path, *ADMIN)
    assert auth.vault_exists(path)
    assert session.user.name == ADMIN[0] and session.user.role == Role.ADMINISTRATOR
    assert recovery and recovery not in (path / SLOT_FILE).read_text()
    session.lock()
    assert session.locked
    with pytest.raises(VaultLocked):
        session.accounts.list_users(session.user)
    again = auth.login(path, *ADMIN, resume=True)
    try:
        assert again.user.id == session.user.id
        assert _actions(again) == ["vault.created", "user.added", "contract.templates_seeded",
                                   "login", "vault.locked", "vault.unlocked"]
        assert again.audit.verify(again.user).ok
    finally:
        again.close()


def test_create_refuses_a_non_empty_folder_and_a_weak_password(auth: Authenticator,
                                                               tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(StrongroomError):
        auth.create(tmp_path / "busy", *ADMIN)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
    with pytest.raises(PolicyViolation):
        auth.create(tmp_path / "weak", ADMIN[0], "password1234")
    assert not auth.vault_exists(tmp_path / "weak")


def test_unknown_user_wrong_password_and_disabled_user_look_the_same(
        auth: Authenticator, vault_path: Path) -> None:
    admin = auth.login(vault_path, *ADMIN)
    mei = admin.accounts.find(admin.user, MEI)
    admin.accounts.disable_user(admin.user, mei.id)
    admin.close()
    errors = []
    for name, password in [(ADMIN[0], "not the right password"), ("Nobody Here", ADMIN[1]),
                           (MEI, MEI_PW), ("", "")]:
        with pytest.raises(StrongroomError) as info:
            auth.login(vault_path, name, password)
        errors.append(info.value)
    assert {type(e) for e in errors} == {AuthenticationFailed}
    assert len({str(e) for e in errors}) == 1


def test_unknown_user_costs_one_argon2_run_like_a_wrong_password(
        auth: Authenticator, vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Argon2Params] = []
    real = storage.slots.argon2id

    def counting(secret: bytes, salt: bytes, params: Argon2Params) -> bytearray:
        calls.append(params)
        return real(secret, salt, params)

    monkeypatch.setattr(storage.slots, "argon2id", counting)
    monkeypatch.setattr(storage.vault, "argon2id", counting)
    slot_params = Argon2Params.from_dict(_user_slot(vault_path, ADMIN[0])["kdf"])

    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, ADMIN[0], "wrong password entirely")
    assert calls == [slot_params]
    calls.clear()
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, "Someone Unknown", "wrong password entirely")
    assert calls == [slot_params]


# -- passwords and users -----------------------------------------------------------------------
def test_password_change_rewraps_only_that_users_slot(auth: Authenticator,
                                                      vault_path: Path) -> None:
    before = {s["id"]: s for s in slot_data(vault_path)["slots"]}
    mei_slot = _user_slot(vault_path, MEI)["id"]
    session = auth.login(vault_path, MEI, MEI_PW)
    session.change_password(MEI_PW, "a brand new manager phrase")
    session.close()
    after = {s["id"]: s for s in slot_data(vault_path)["slots"]}
    assert after.keys() == before.keys()
    for slot_id, slot in before.items():
        if slot_id == mei_slot:
            assert after[slot_id]["private"] != slot["private"]
            assert after[slot_id]["kdf"]["salt"] != slot["kdf"]["salt"]
            assert after[slot_id]["sealed"] == slot["sealed"]  # same key pair, same db key
        else:
            assert json.dumps(after[slot_id], sort_keys=True) == \
                json.dumps(slot, sort_keys=True)
    assert slot_data(vault_path)["db_file"] == "vault-1.db"  # no rekey for a password change
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, MEI, MEI_PW)
    auth.login(vault_path, MEI, "a brand new manager phrase").close()


def test_change_password_with_the_wrong_old_password_changes_nothing(
        auth: Authenticator, vault_path: Path) -> None:
    before = (vault_path / SLOT_FILE).read_text()
    session = auth.login(vault_path, MEI, MEI_PW)
    with pytest.raises(AuthenticationFailed):
        session.change_password("not my password", "a brand new manager phrase")
    session.close()
    after = json.loads((vault_path / SLOT_FILE).read_text())
    assert after["slots"] == json.loads(before)["slots"]
    auth.login(vault_path, MEI, MEI_PW).close()


def test_added_user_can_log_in_with_their_password_only(admin_session: Session,
                                                       auth: Authenticator,
                                                       vault_path: Path) -> None:
    user = admin_session.accounts.add_user(admin_session.user, "Nina New", Role.SALES_REP,
                                           "nina's first pass phrase", must_change=False)
    assert user.slot_id in {s["id"] for s in slot_data(vault_path)["slots"]}
    with pytest.raises(InvalidInput):
        admin_session.accounts.add_user(admin_session.user, "  NINA new ", Role.SALES_REP,
                                        "another good pass phrase")
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, "Nina New", ADMIN[1])
    nina = auth.login(vault_path, "nina new", "nina's first pass phrase")  # names fold case
    assert nina.user.id == user.id and nina.user.role == Role.SALES_REP
    nina.close()


def test_disabling_a_user_deletes_the_slot_and_rekeys(auth: Authenticator, vault_path: Path,
                                                      tmp_path: Path) -> None:
    admin = auth.login(vault_path, *ADMIN)
    old_key = admin.vault.export_key(admin.user)
    old_slots = (vault_path / SLOT_FILE).read_bytes()
    old_db = db_path(vault_path)
    assert opens_with(old_db, old_key)
    mei = admin.accounts.find(admin.user, MEI)
    admin.accounts.disable_user(admin.user, mei.id)
    new_key = admin.vault.export_key(admin.user)
    admin.close()

    data = slot_data(vault_path)
    assert data["generation"] == 2 and data["db_file"] == "vault-2.db"
    assert mei.slot_id not in {s["id"] for s in data["slots"]}
    assert not old_db.exists()
    assert new_key != old_key
    assert not opens_with(vault_path / "vault-2.db", old_key)
    assert opens_with(vault_path / "vault-2.db", new_key)

    # An old copy of the slot file and Mei's old password yield only the old key.
    old = json.loads(old_slots)
    slot = next(s for s in old["slots"]
                if s["kind"] == USER and s["tag"] == name_tag(old["tag_salt"], MEI))
    recovered = open_db_key(old["vault_id"], slot,
                            open_private(old["vault_id"], slot, password_bytes(MEI_PW)))
    assert bytes(recovered).hex() == old_key
    assert not opens_with(vault_path / "vault-2.db", bytes(recovered).hex())

    # ... even when the attacker puts that old slot file back beside the current database.
    attack = tmp_path / "attack"
    shutil.copytree(vault_path, attack)
    (attack / SLOT_FILE).write_bytes(old_slots)
    (attack / "vault-2.db").rename(attack / "vault-1.db")
    with pytest.raises(VaultDamaged):
        auth.login(attack, MEI, MEI_PW)

    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, MEI, MEI_PW)
    for name, password in [ADMIN, *(USERS[r] for r in USERS if r != Role.SALES_MANAGER)]:
        session = auth.login(vault_path, name, password)
        if session.user.role in (Role.ADMINISTRATOR, Role.AUDITOR):
            assert session.audit.verify(session.user).ok
        session.close()


def test_disable_refuses_while_another_window_has_the_vault_open(
        auth: Authenticator, vault_path: Path) -> None:
    admin = auth.login(vault_path, *ADMIN)
    other = auth.login(vault_path, *USERS[Role.FINANCE])
    mei = admin.accounts.find(admin.user, MEI)
    with pytest.raises(StrongroomError, match="open"):
        admin.accounts.disable_user(admin.user, mei.id)
    other.close()
    admin.close()
    # The refused rekey must not leave Mei locked out half-way: her slot and file are intact.
    assert slot_data(vault_path)["db_file"] == "vault-1.db"
    auth.login(vault_path, MEI, MEI_PW).close()


# -- recovery ----------------------------------------------------------------------------------
def test_recovery_key_opens_the_recovery_slot(auth: Authenticator,
                                             created: tuple[Path, str, Session]) -> None:
    path, recovery, session = created
    session.close()
    with pytest.raises(AuthenticationFailed):
        auth.recover(path, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", ADMIN[0],
                     "fresh pass words 9")
    with pytest.raises(AuthenticationFailed):
        auth.recover(path, "not a key", ADMIN[0], "fresh pass words 9")
    with pytest.raises(PolicyViolation):
        auth.recover(path, recovery, ADMIN[0], "short")
    auth.recover(path, recovery.lower().replace("-", " "), ADMIN[0], "fresh pass words 9")
    with pytest.raises(AuthenticationFailed):
        auth.login(path, *ADMIN)
    again = auth.login(path, ADMIN[0], "fresh pass words 9")
    assert "vault.recovered" in _actions(again)
    assert again.audit.verify(again.user).ok
    again.close()


def test_regenerated_recovery_key_replaces_the_old_one(auth: Authenticator,
                                                      created: tuple[Path, str, Session]) -> None:
    path, old_recovery, session = created
    new_recovery = session.vault.regenerate_recovery(session.user)
    session.close()
    assert new_recovery != old_recovery
    assert sum(s["kind"] == "recovery" for s in slot_data(path)["slots"]) == 1
    with pytest.raises(AuthenticationFailed):
        auth.recover(path, old_recovery, ADMIN[0], "fresh pass words 9")
    auth.recover(path, new_recovery, ADMIN[0], "fresh pass words 9")
    auth.login(path, ADMIN[0], "fresh pass words 9").close()


def test_recovery_only_for_an_administrator(auth: Authenticator,
                                           created: tuple[Path, str, Session]) -> None:
    path, recovery, session = created
    session.accounts.add_user(session.user, "Rex Rep", Role.SALES_REP, "rex pass phrase 12")
    session.close()
    with pytest.raises(StrongroomError, match="not an administrator"):
        auth.recover(path, recovery, "Rex Rep", "fresh pass words 9")
    auth.login(path, *ADMIN).close()  # unchanged


# -- newer versions ----------------------------------------------------------------------------
def test_database_from_a_newer_version_is_refused(admin_session: Session, auth: Authenticator,
                                                  vault_path: Path) -> None:
    key = admin_session.vault.export_key(admin_session.user)
    admin_session.close()
    conn = raw_connect(db_path(vault_path), key)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(VaultTooNew) as info:
        auth.login(vault_path, *ADMIN)
    assert info.value.found == 99 and info.value.supported == LATEST
    conn = raw_connect(db_path(vault_path), key)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 99  # left as it was
    conn.close()


def test_slot_file_from_a_newer_version_is_refused(auth: Authenticator,
                                                   vault_path: Path) -> None:
    rewrite_slot_file(vault_path, lambda d: d.update(format=99))
    with pytest.raises(VaultTooNew) as info:
        auth.login(vault_path, *ADMIN)
    assert info.value.found == 99


# -- throttling --------------------------------------------------------------------------------
def test_failed_unlocks_slow_down_survive_a_restart_and_reach_the_trail(
        rules: PasswordRules, vault_path: Path, fake_clock: FakeClock) -> None:
    auth = make_authenticator(rules, clock=fake_clock)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            auth.login(vault_path, MEI, "wrong guess number x")
    with pytest.raises(UnlockThrottled) as first:
        auth.login(vault_path, MEI, MEI_PW)  # even the right password waits
    assert first.value.retry_after > 0
    fake_clock.advance(first.value.retry_after + 0.01)
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, MEI, "wrong guess number y")
    with pytest.raises(UnlockThrottled) as second:
        auth.login(vault_path, MEI, MEI_PW)
    assert second.value.retry_after > first.value.retry_after

    # Another user is not held up by Mei's failures; an unknown name is counted too.
    make_authenticator(rules, clock=fake_clock).login(vault_path, *ADMIN).close()
    with pytest.raises(AuthenticationFailed):
        auth.login(vault_path, "Mallory Unknown", "wrong guess number z")

    restarted = make_authenticator(rules, clock=fake_clock)
    with pytest.raises(UnlockThrottled):
        restarted.login(vault_path, MEI, MEI_PW)
    fake_clock.advance(second.value.retry_after + 0.01)
    restarted.login(vault_path, MEI, MEI_PW).close()
    # Success resets the counter: the next failure is not delayed.
    with pytest.raises(AuthenticationFailed):
        restarted.login(vault_path, MEI, "wrong guess number w")

    admin = restarted.login(vault_path, *ADMIN)
    failed = [e for e in admin.audit.page(admin.user, AuditFilter(action="login.failed"))]
    admin.close()
    mei_failures = [e for e in failed if e.object_id == MEI]
    assert len(mei_failures) == 5
    assert all(e.outcome == "failed" and e.details["user_known"] for e in mei_failures)
    unknown = [e for e in failed if not e.details.get("user_known", True)]
    assert len(unknown) == 1
    assert "Mallory" not in json.dumps([e.details for e in failed], ensure_ascii=False)


def test_wal_is_gone_after_lock(admin_session: Session, vault_path: Path) -> None:
    for minutes in range(11, 16):
        from core.policy import Policy

        admin_session.policies.update(admin_session.user, Policy(idle_minutes=minutes))
    admin_session.lock()
    for wal in vault_path.glob("vault-*.db-wal"):
        assert wal.stat().st_size == 0, f"{wal.name} still holds data after lock"


def test_cheap_kdf_is_what_the_test_vaults_use(vault_path: Path) -> None:
    # Guards the time budget: a calibrated KDF sneaking into the template costs seconds per test.
    assert slot_data(vault_path)["kdf_default"] == CHEAP_KDF.to_dict()


def test_new_vault_takes_real_parameters_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from storage.crypto import ARGON2_FLOOR, calibrate_argon2

    monkeypatch.setattr(storage.crypto, "argon2id", lambda *a: bytearray(32))
    params = calibrate_argon2(target_seconds=0.0)
    assert params.memory_kib >= ARGON2_FLOOR.memory_kib
    assert params.time_cost >= 3 and params.parallelism >= 4


def test_recovery_key_guesses_are_throttled_too(rules: PasswordRules, fake_clock: FakeClock,
                                                created: tuple[Path, str, Session]) -> None:
    path, recovery, session = created
    session.close()
    auth = make_authenticator(rules, clock=fake_clock)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            auth.recover(path, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", ADMIN[0],
                         "fresh pass words 9")
    with pytest.raises(UnlockThrottled):
        auth.recover(path, recovery, ADMIN[0], "fresh pass words 9")
    fake_clock.advance(60)
    auth.recover(path, recovery, ADMIN[0], "fresh pass words 9")


def test_no_password_or_key_reaches_the_trail(auth: Authenticator,
                                              created: tuple[Path, str, Session]) -> None:
    path, recovery, admin = created
    secrets = [ADMIN[1], recovery, "rex pass phrase 12", "rex second phrase 34"]
    rex = admin.accounts.add_user(admin.user, "Rex Rep", Role.SALES_REP, secrets[2],
                                  must_change=False)
    _user, temporary = admin.accounts.reset_password(admin.user, rex.id)
    secrets.append(temporary)
    secrets.append(admin.vault.export_key(admin.user))
    secrets.append(admin.vault.regenerate_recovery(admin.user))
    admin.close()
    rex_session = auth.login(path, "Rex Rep", temporary)
    with pytest.raises(AuthenticationFailed):
        rex_session.change_password("not the temporary one", secrets[3])
    rex_session.change_password(temporary, secrets[3])
    rex_session.close()
    with pytest.raises(AuthenticationFailed):
        auth.login(path, "Rex Rep", secrets[2])  # a failed login with a real old password
    auth.recover(path, secrets[-1], ADMIN[0], "fresh pass words 9")
    secrets.append("fresh pass words 9")
    admin = auth.login(path, ADMIN[0], "fresh pass words 9")
    trail = admin.audit.page(admin.user, AuditFilter(), limit=10_000)
    admin.close()
    actions = {e.action for e in trail}
    assert {"vault.key_exported", "vault.recovery_regenerated", "user.password_reset",
            "user.password_changed", "vault.recovered", "login.failed"} <= actions
    text = json.dumps([(e.actor_name, e.object_id, dict(e.details)) for e in trail],
                      ensure_ascii=False)
    for secret in secrets:
        assert secret not in text
        assert secret.replace("-", "") not in text
