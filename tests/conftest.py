"""Shared fixtures: cheap key derivation, an authenticator wired as main.py wires it, and vaults
built once per session then copied per test (creating one costs Argon2 and migrations)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
from keyring.backend import KeyringBackend

from core.audit import now_utc
from core.auth import Authenticator
from core.passwords import HistoryHasher, PasswordRules, load_common_passwords
from core.roles import Role
from core.session import AppContext, Session
from storage.credentials import KeyringCredentials
from storage.crypto import Argon2Params
from storage.vault import SqlCipherVaults

ROOT = Path(__file__).resolve().parent.parent
CHEAP_KDF = Argon2Params(memory_kib=1024, time_cost=1, parallelism=1)

ADMIN = ("Alice Admin", "correct horse battery staple")
USERS = {
    Role.SALES_MANAGER: ("Mei Manager", "manager pass phrase 1"),
    Role.SALES_REP: ("王芳", "雨后的竹林很安静 2026"),
    Role.FINANCE: ("Frank Finance", "finance pass phrase 2"),
    Role.AUDITOR: ("Ada Auditor", "auditor pass phrase 3"),
}


class MemoryKeyring(KeyringBackend):
    """An in-memory stand-in for an OS credential store that encrypts (priority > 0)."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture(scope="session")
def rules() -> PasswordRules:
    return PasswordRules(load_common_passwords(ROOT / "resources" / "common-passwords.txt"),
                         HistoryHasher(memory_kib=1024, time_cost=1, parallelism=1))


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


class MovableClock:
    """The services' clock: the real time until a test moves it to a day (9:00 UTC) — to look
    at instalments falling due years ahead as of their due dates."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or now_utc()

    def set_day(self, day: date) -> None:
        self.fixed = datetime.combine(day, time(9), UTC)


def make_authenticator(rules: PasswordRules, credentials: object | None = None,
                       app_clock: Callable[[], datetime] = now_utc,
                       **vault_options: object) -> Authenticator:
    """`app_clock` is the services' clock; a `clock` among `vault_options` is the vault's
    (unlock throttling)."""
    ctx = AppContext(rules=rules, credentials=credentials,
                     clock=app_clock)  # type: ignore[arg-type]
    return Authenticator(SqlCipherVaults(kdf=CHEAP_KDF, **vault_options), ctx)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def auth(rules: PasswordRules, memory_keyring: MemoryKeyring,
         clock: MovableClock) -> Authenticator:
    """Cheap KDF, a credential store that works (in memory, never the real OS store), and the
    `clock` fixture as the services' clock."""
    return make_authenticator(rules, KeyringCredentials(memory_keyring), app_clock=clock)


@pytest.fixture(scope="session")
def _template_vault(tmp_path_factory: pytest.TempPathFactory, rules: PasswordRules) -> Path:
    """One vault with an administrator and one user of every other role, built once."""
    path = tmp_path_factory.mktemp("template") / "vault"
    session, _recovery = make_authenticator(rules).create(path, *ADMIN)
    for role, (name, password) in USERS.items():
        session.accounts.add_user(session.user, name, role, password, must_change=False)
    session.close()
    return path


@pytest.fixture
def vault_path(_template_vault: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template vault (users: ADMIN and USERS) for this test."""
    target = tmp_path / "vault"
    shutil.copytree(_template_vault, target)
    return target


@pytest.fixture
def admin_session(auth: Authenticator, vault_path: Path) -> Iterator[Session]:
    session = auth.login(vault_path, *ADMIN)
    yield session
    if not session.locked:
        session.close()


@pytest.fixture
def login(auth: Authenticator, vault_path: Path) -> Iterator[object]:
    """login(role) -> an open session of that role's user in `vault_path`, closed afterwards."""
    opened: list[Session] = []

    def _login(role: Role) -> Session:
        name, password = ADMIN if role == Role.ADMINISTRATOR else USERS[role]
        session = auth.login(vault_path, name, password)
        opened.append(session)
        return session

    yield _login
    for session in opened:
        if not session.locked:
            session.close()


@pytest.fixture(autouse=True)
def _no_real_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never touch the developer's real credential store."""
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
