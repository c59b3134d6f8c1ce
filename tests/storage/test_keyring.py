"""'Remember on this computer' through keyring: refused (with a reason) on backends that would not
protect the secret, and a remembered device slot stops working when the account changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from core.auth import Authenticator
from core.errors import AuthenticationFailed, StrongroomError
from core.passwords import PasswordRules
from core.remember import credential_account
from core.roles import Role
from storage.credentials import KeyringCredentials
from tests.conftest import ADMIN, USERS, MemoryKeyring, make_authenticator
from tests.storage.rawvault import slot_data

REP, REP_PW = USERS[Role.SALES_REP]


class PlaintextKeyring(MemoryKeyring):
    """Stands for keyrings.alt's PlaintextKeyring: it claims a decent priority, but its name
    says what it is."""

    priority = 1  # type: ignore[assignment]


class ZeroPriorityKeyring(PlaintextKeyring):
    priority = 0  # type: ignore[assignment]


class AltFileKeyring(PlaintextKeyring):
    priority = 2  # type: ignore[assignment]


AltFileKeyring.__module__ = "keyrings.alt.file"
AltFileKeyring.__name__ = "EncryptedLookingName"


def _chain(*backends: KeyringBackend) -> chainer.ChainerBackend:
    """keyring's chainer over the given backends (in the order it would try them)."""

    class Chain(chainer.ChainerBackend):
        pass

    Chain.backends = list(backends)  # type: ignore[misc,assignment]
    return Chain()


REFUSED = {
    "fail": fail.Keyring,
    "null": null.Keyring,
    "plaintext-by-name": PlaintextKeyring,
    "zero-priority": ZeroPriorityKeyring,
    "keyrings.alt.file": AltFileKeyring,
    "chain-of-refused": lambda: _chain(null.Keyring(), PlaintextKeyring()),
    # keyring's chainer writes to its first backend: a safe one further down does not help.
    "chain-writing-to-plaintext-first": lambda: _chain(PlaintextKeyring(), MemoryKeyring()),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unsafe_backends_are_refused_with_a_reason(name: str, rules: PasswordRules,
                                                   vault_path: Path) -> None:
    backend = REFUSED[name]()
    credentials = KeyringCredentials(backend)
    reason = credentials.unavailable_reason()
    assert reason and len(reason) > 20
    auth = make_authenticator(rules, credentials)
    assert auth.remembered_reason() == reason
    session = auth.login(vault_path, *ADMIN)
    try:
        assert session.remember.unavailable_reason() == reason
        with pytest.raises(StrongroomError):
            session.remember.remember(session.user)
        assert not session.remember.is_remembered(session.user)
    finally:
        session.close()
    # Nothing was written to the unsafe store, nor a device slot to the vault.
    assert not getattr(backend, "items", {})
    assert all(s["kind"] != "device" for s in slot_data(vault_path)["slots"])
    with pytest.raises(AuthenticationFailed):
        auth.login_remembered(vault_path, ADMIN[0])
    with pytest.raises(RuntimeError):
        credentials.put("account", b"secret")


def test_the_default_keyring_in_tests_is_the_fail_backend() -> None:
    # conftest's autouse fixture: no test may reach the developer's real credential store.
    assert KeyringCredentials().unavailable_reason()


def test_a_chain_that_writes_to_a_good_backend_is_usable() -> None:
    good, plain = MemoryKeyring(), PlaintextKeyring()
    credentials = KeyringCredentials(_chain(good, plain))
    assert credentials.unavailable_reason() is None
    credentials.put("account", b"secret")
    assert good.items and not plain.items
    assert credentials.get("account") == b"secret"


def test_remember_and_forget(auth: Authenticator, vault_path: Path,
                             memory_keyring: MemoryKeyring) -> None:
    assert auth.remembered_reason() is None
    assert not auth.is_remembered(vault_path, REP)
    session = auth.login(vault_path, REP, REP_PW)
    session.remember.remember(session.user)
    assert session.remember.is_remembered(session.user)
    session.close()
    # The OS store holds a random secret under a hashed account name, not the password/name.
    assert len(memory_keyring.items) == 1
    (_service, account), value = next(iter(memory_keyring.items.items()))
    assert REP not in account and REP_PW not in value

    assert auth.is_remembered(vault_path, REP)
    again = auth.login_remembered(vault_path, REP)
    assert again.user.name == REP
    again.remember.forget(again.user)
    again.close()
    assert memory_keyring.items == {}
    assert not auth.is_remembered(vault_path, REP)
    with pytest.raises(AuthenticationFailed):
        auth.login_remembered(vault_path, REP)
    auth.login(vault_path, REP, REP_PW).close()  # the password still works


def test_a_stolen_secret_without_its_device_slot_opens_nothing(
        auth: Authenticator, vault_path: Path, memory_keyring: MemoryKeyring) -> None:
    session = auth.login(vault_path, REP, REP_PW)
    session.remember.remember(session.user)
    session.close()
    stolen = dict(memory_keyring.items)
    again = auth.login_remembered(vault_path, REP)
    again.remember.forget(again.user)
    again.close()
    memory_keyring.items.update(stolen)  # the secret put back (e.g. from a backup of the store)
    with pytest.raises(AuthenticationFailed):
        auth.login_remembered(vault_path, REP)


def test_a_remembered_secret_only_opens_its_own_user(auth: Authenticator, vault_path: Path,
                                                     memory_keyring: MemoryKeyring) -> None:
    session = auth.login(vault_path, REP, REP_PW)
    session.remember.remember(session.user)
    session.close()
    (service, _account), value = next(iter(memory_keyring.items.items()))
    admin_account = credential_account(slot_data(vault_path)["vault_id"], ADMIN[0])
    memory_keyring.items[(service, admin_account)] = value  # REP's secret filed under the admin
    with pytest.raises(AuthenticationFailed):
        auth.login_remembered(vault_path, ADMIN[0])


@pytest.mark.parametrize("change", ["disable", "reset"])
def test_remembered_login_stops_after_disable_or_reset(change: str, auth: Authenticator,
                                                       vault_path: Path) -> None:
    session = auth.login(vault_path, REP, REP_PW)
    session.remember.remember(session.user)
    rep_id = session.user.id
    session.close()
    admin = auth.login(vault_path, *ADMIN)
    if change == "disable":
        admin.accounts.disable_user(admin.user, rep_id)
    else:
        admin.accounts.reset_password(admin.user, rep_id)
    admin.close()
    assert all(s["kind"] != "device" for s in slot_data(vault_path)["slots"])
    with pytest.raises(AuthenticationFailed):
        auth.login_remembered(vault_path, REP)
