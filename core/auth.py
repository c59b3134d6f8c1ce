"""Creating vaults, logging in (by password, by this computer's credential store, by recovery
key) and turning an unlocked vault into a session."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from core.accounts import current_policy
from core.audit import AuditEvent
from core.errors import AuthenticationFailed, StrongroomError
from core.ports import Unlocked, VaultOpener
from core.remember import credential_account
from core.roles import Role
from core.session import AppContext, Session
from core.trail import append
from core.users import validate_user_name

Progress = Callable[[str], None]


class Authenticator:
    def __init__(self, opener: VaultOpener, ctx: AppContext) -> None:
        self._opener = opener
        self.ctx = ctx

    def vault_exists(self, path: Path) -> bool:
        return self._opener.exists(Path(path))

    def password_problems(self, password: str, user_name: str) -> list[str]:
        """Policy problems for a new vault's first password (default policy)."""
        from core.policy import Policy

        return self.ctx.rules.problems(password, user_name, Policy())

    def create(self, path: Path, admin_name: str, password: str,
               progress: Progress | None = None) -> tuple[Session, str]:
        """Create a vault with one administrator; returns the session and the recovery key,
        which is shown once and never stored in clear."""
        admin_name = validate_user_name(admin_name)
        from core.policy import Policy

        self.ctx.rules.check(password, admin_name, Policy())
        unlocked, recovery_key = self._opener.create(Path(path), admin_name, password, progress)
        now = self.ctx.clock()
        with unlocked.store.transaction() as repos:
            assert unlocked.slot_id is not None
            user = repos.users.add(admin_name, Role.ADMINISTRATOR, unlocked.slot_id, False, now)
            repos.users.push_password_history(user.id, self.ctx.rules.hasher.hash(password),
                                              current_policy(repos).password_history, now)
            append(repos, user, AuditEvent("vault.created", "vault", unlocked.keys.vault_id), now)
            append(repos, user, AuditEvent("user.added", "user", str(user.id),
                                           {"name": admin_name, "role": user.role.value}), now)
            # A new vault starts with the default contract templates and clause library
            # (older vaults get them on first use).
            from core.contracts.library import seed_defaults
            seed_defaults(repos, user, now)  # type: ignore[arg-type]
        return self._start(unlocked, "created"), recovery_key

    def login(self, path: Path, user_name: str, password: str, resume: bool = False) -> Session:
        unlocked = self._opener.unlock(Path(path), user_name, password)
        return self._start(unlocked, "resumed" if resume else "password")

    def remembered_reason(self) -> str | None:
        if self.ctx.credentials is None:
            return "No credential store is configured."
        return self.ctx.credentials.unavailable_reason()

    def is_remembered(self, path: Path, user_name: str) -> bool:
        if self.remembered_reason() or not user_name.strip():
            return False
        try:
            vault_id = self._opener.vault_id(Path(path))
        except StrongroomError:
            return False
        assert self.ctx.credentials is not None
        return self.ctx.credentials.get(credential_account(vault_id, user_name)) is not None

    def login_remembered(self, path: Path, user_name: str, resume: bool = False) -> Session:
        if self.remembered_reason():
            raise AuthenticationFailed()
        assert self.ctx.credentials is not None
        vault_id = self._opener.vault_id(Path(path))
        secret = self.ctx.credentials.get(credential_account(vault_id, user_name))
        if secret is None:
            raise AuthenticationFailed()
        unlocked = self._opener.unlock_with_device(Path(path), user_name, secret)
        return self._start(unlocked, "resumed" if resume else "this computer")

    def recover(self, path: Path, recovery_key: str, admin_name: str, new_password: str) -> None:
        """Open with the recovery key and give an administrator a new password."""
        unlocked = self._opener.unlock_with_recovery(Path(path), recovery_key)
        try:
            with unlocked.store.reader() as repos:
                admin = repos.users.by_name(admin_name)
                policy = current_policy(repos)
                history = repos.users.password_history(admin.id) if admin else []
            if admin is None or admin.role != Role.ADMINISTRATOR:
                raise StrongroomError(f"{admin_name!r} is not an administrator of this vault.")
            self.ctx.rules.check(new_password, admin.name, policy, history)
            if admin.slot_id:
                unlocked.keys.remove_device_slots(admin.slot_id)
            slot_id = unlocked.keys.replace_user_slot(admin.slot_id, admin.name, new_password)
            now = self.ctx.clock()
            with unlocked.store.transaction() as repos:
                repos.users.save(dataclasses.replace(admin, slot_id=slot_id, active=True,
                                                     must_change_password=False))
                repos.users.push_password_history(admin.id,
                                                  self.ctx.rules.hasher.hash(new_password),
                                                  policy.password_history, now)
                append(repos, None, AuditEvent("vault.recovered", "user", str(admin.id),
                                               {"name": admin.name}), now,
                       actor_name="recovery key")
        finally:
            unlocked.keys.lock()

    def _start(self, unlocked: Unlocked, method: str) -> Session:
        now = self.ctx.clock()
        try:
            with unlocked.store.transaction() as repos:
                user = repos.users.by_slot(unlocked.slot_id) if unlocked.slot_id else None
                known = [u.name for u in repos.users.all()]
                for failure in unlocked.keys.take_failed_unlocks(known):
                    append(repos, None, AuditEvent(
                        "login.failed", "user", failure.user_name_known or "",
                        {"attempted_at": failure.at.isoformat(timespec="seconds"),
                         "user_known": failure.user_name_known is not None},
                        outcome="failed"), now, actor_name=failure.user_name_known or "")
                if user is None or not user.active:
                    append(repos, None, AuditEvent("login.failed", "user",
                                                   str(user.id) if user else "",
                                                   {"reason": "no active account"},
                                                   outcome="failed"), now)
                    user = None
                else:
                    user = dataclasses.replace(user, last_login_at=now)
                    repos.users.save(user)
                    action = "vault.unlocked" if method == "resumed" else "login"
                    append(repos, user, AuditEvent(action, "user", str(user.id),
                                                   {"method": method}), now)
            if user is None:
                raise AuthenticationFailed()
        except BaseException:
            unlocked.keys.lock()
            raise
        return Session(unlocked, user, self.ctx)
