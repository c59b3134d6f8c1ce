"""User accounts: adding, roles, disabling, password resets and changes."""

from __future__ import annotations

import dataclasses
import secrets

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.errors import AuthenticationFailed, InvalidInput, NotFound, PolicyViolation
from core.passwords import PasswordRules
from core.policy import Policy
from core.ports import KeyVault, Repositories, Store
from core.roles import Permission, Role
from core.trail import Clock, Guard, append
from core.users import User, validate_user_name

POLICY_KEY = "policy"

_TEMP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def generate_temporary_password(length: int = 16) -> str:
    return "-".join(
        "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(length // 4)
    )


def current_policy(repos: Repositories) -> Policy:
    stored = repos.settings.get(POLICY_KEY)
    return Policy.from_dict(stored) if isinstance(stored, dict) else Policy()


class AccountService:
    def __init__(self, store: Store, keys: KeyVault, rules: PasswordRules, guard: Guard,
                 clock: Clock, bus: ChangeBus) -> None:
        self._store, self._keys, self._rules = store, keys, rules
        self._guard, self._clock, self._bus = guard, clock, bus

    # -- reading -----------------------------------------------------------------------------
    def list_users(self, actor: User) -> list[User]:
        self._guard.require(actor, Permission.USER_LIST)
        with self._store.reader() as repos:
            return repos.users.all()

    def get(self, actor: User, user_id: int) -> User:
        if user_id != actor.id:
            self._guard.require(actor, Permission.USER_LIST)
        with self._store.reader() as repos:
            user = repos.users.get(user_id)
        if user is None:
            raise NotFound("No such user.")
        return user

    def find(self, actor: User, name: str) -> User:
        self._guard.require(actor, Permission.USER_LIST)
        with self._store.reader() as repos:
            user = repos.users.by_name(name)
        if user is None:
            raise NotFound(f"No user named {name!r}.")
        return user

    # -- administration ----------------------------------------------------------------------
    def add_user(self, actor: User, name: str, role: Role, password: str,
                 must_change: bool = True) -> User:
        self._guard.require(actor, Permission.USER_MANAGE, "user", name)
        name = validate_user_name(name)
        with self._store.reader() as repos:
            if repos.users.by_name(name) is not None:
                raise InvalidInput(f"A user named {name!r} already exists.")
            self._rules.check(password, name, current_policy(repos))
        # The slot is written before the row: a crash in between leaves an orphan slot that opens
        # nothing (unlock finds no user for it), never a user who cannot log in.
        slot_id = self._keys.add_user_slot(name, password)
        now = self._clock()
        with self._store.transaction() as repos:
            user = repos.users.add(name, role, slot_id, must_change, now)
            repos.users.push_password_history(
                user.id, self._rules.hasher.hash(password), current_policy(repos).password_history,
                now)
            append(repos, actor, AuditEvent("user.added", "user", str(user.id),
                                            {"name": name, "role": role.value}), now)
        self._bus.publish(Changes(users=True))
        return user

    def set_role(self, actor: User, user_id: int, role: Role) -> User:
        self._guard.require(actor, Permission.USER_MANAGE, "user", str(user_id))
        now = self._clock()
        with self._store.transaction() as repos:
            user = self._existing(repos, user_id)
            if user.role == role:
                return user
            if user.role == Role.ADMINISTRATOR and self._last_admin(repos, user):
                raise InvalidInput("The last active administrator cannot lose that role.")
            updated = dataclasses.replace(user, role=role)
            repos.users.save(updated)
            append(repos, actor, AuditEvent("user.role_changed", "user", str(user_id),
                                            {"name": user.name, "before": user.role.value,
                                             "after": role.value}), now)
        self._bus.publish(Changes(users=True))
        return updated

    def set_manager(self, actor: User, user_id: int, manager_id: int | None) -> User:
        """Put a user in a sales manager's team (None: in no team); the manager then sees the
        customers that user owns."""
        self._guard.require(actor, Permission.USER_MANAGE, "user", str(user_id))
        with self._store.transaction() as repos:
            user = self._existing(repos, user_id)
            if manager_id is not None:
                manager = self._existing(repos, manager_id)
                if manager.role != Role.SALES_MANAGER or not manager.active:
                    raise InvalidInput(f"{manager.name} is not an active sales manager.")
                if manager.id == user.id:
                    raise InvalidInput("A manager cannot be in their own team.")
            if user.manager_id == manager_id:
                return user
            updated = dataclasses.replace(user, manager_id=manager_id)
            repos.users.save(updated)
            append(repos, actor, AuditEvent("user.manager_changed", "user", str(user_id), {
                "name": user.name, "before": user.manager_id, "after": manager_id}),
                self._clock())
        self._bus.publish(Changes(users=True))
        return updated

    def disable_user(self, actor: User, user_id: int) -> User:
        """Disable an account: its slot is deleted and the database rekeyed, so a copy of the old
        slot opens nothing new. The row stays for the audit trail's sake."""
        self._guard.require(actor, Permission.USER_MANAGE, "user", str(user_id))
        with self._store.reader() as repos:
            user = self._existing(repos, user_id)
            if user.id == actor.id:
                raise InvalidInput("You cannot disable your own account.")
            if not user.active:
                raise InvalidInput(f"{user.name} is already disabled.")
            if user.role == Role.ADMINISTRATOR and self._last_admin(repos, user):
                raise InvalidInput("The last active administrator cannot be disabled.")
        # Rekey first: if it cannot run (another window has the vault open) nothing changes,
        # rather than an account marked disabled whose slot still opens the database.
        if user.slot_id:
            self._keys.remove_slots_and_rekey([user.slot_id])
        updated = dataclasses.replace(user, active=False, slot_id=None)
        with self._store.transaction() as repos:
            repos.users.save(updated)
            append(repos, actor, AuditEvent("user.disabled", "user", str(user_id),
                                            {"name": user.name}), self._clock())
        self._bus.publish(Changes(users=True))
        return updated

    def reset_password(self, actor: User, user_id: int, temporary: str | None = None,
                       ) -> tuple[User, str]:
        """Give a user a temporary password they must change at next login; re-enables a
        disabled account. Returns the user and the temporary password."""
        self._guard.require(actor, Permission.USER_MANAGE, "user", str(user_id))
        temporary = temporary or generate_temporary_password()
        with self._store.reader() as repos:
            user = self._existing(repos, user_id)
            self._rules.check(temporary, user.name, current_policy(repos),
                              repos.users.password_history(user.id))
        if user.slot_id:
            self._keys.remove_device_slots(user.slot_id)
        slot_id = self._keys.replace_user_slot(user.slot_id, user.name, temporary)
        now = self._clock()
        updated = dataclasses.replace(user, slot_id=slot_id, must_change_password=True,
                                      active=True)
        with self._store.transaction() as repos:
            repos.users.save(updated)
            repos.users.push_password_history(user.id, self._rules.hasher.hash(temporary),
                                              current_policy(repos).password_history, now)
            append(repos, actor, AuditEvent("user.password_reset", "user", str(user_id),
                                            {"name": user.name, "reenabled": not user.active}),
                   now)
        self._bus.publish(Changes(users=True))
        return updated, temporary

    # -- self-service ------------------------------------------------------------------------
    def password_problems(self, actor: User, new: str) -> list[str]:
        """Reasons the policy would refuse `new`, for live feedback while typing."""
        with self._store.reader() as repos:
            return self._rules.problems(new, actor.name, current_policy(repos))

    def change_own_password(self, actor: User, old: str, new: str) -> User:
        if actor.slot_id is None:
            raise InvalidInput("This session has no password slot (recovery session).")
        with self._store.reader() as repos:
            user = self._existing(repos, actor.id)
            policy = current_policy(repos)
            history = repos.users.password_history(user.id)
        if not self._keys.check_password(actor.slot_id, user.name, old):
            with self._store.transaction() as repos:
                append(repos, actor, AuditEvent("user.password_change", "user", str(actor.id),
                                                outcome="failed"), self._clock())
            raise AuthenticationFailed()
        if old == new:
            raise PolicyViolation(["The new password must differ from the current one."])
        self._rules.check(new, user.name, policy, history)
        self._keys.change_password(actor.slot_id, user.name, old, new)
        now = self._clock()
        updated = dataclasses.replace(user, must_change_password=False)
        with self._store.transaction() as repos:
            repos.users.save(updated)
            repos.users.push_password_history(user.id, self._rules.hasher.hash(new),
                                              policy.password_history, now)
            append(repos, actor, AuditEvent("user.password_changed", "user", str(actor.id)), now)
        self._bus.publish(Changes(users=True))
        return updated

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _existing(repos: Repositories, user_id: int) -> User:
        user = repos.users.get(user_id)
        if user is None:
            raise NotFound("No such user.")
        return user

    @staticmethod
    def _last_admin(repos: Repositories, user: User) -> bool:
        admins = [u for u in repos.users.all() if u.active and u.role == Role.ADMINISTRATOR]
        return admins == [user] or (len(admins) == 1 and admins[0].id == user.id)
