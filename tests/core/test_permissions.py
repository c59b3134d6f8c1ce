"""The permission matrix, table-driven: every role × every permission, through the real service
method that permission guards (design.md §3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter
from core.auth import Authenticator
from core.errors import PasswordChangeRequired, PermissionDenied
from core.policy import Policy
from core.roles import PERMISSION_ACTIONS, ROLE_PERMISSIONS, Permission, Role, has_permission
from core.session import Session

# Each permission mapped to a call it guards and a check that the call really took effect.
Call = Callable[[Session, Path], Any]


def _add_user(s: Session, _: Path) -> Any:
    return s.accounts.add_user(s.user, "Matrix Probe", Role.SALES_REP, "a rep pass phrase 77")


def _export(s: Session, tmp: Path) -> Any:
    return s.audit.export_csv(s.user, AuditFilter(), tmp / "trail.csv")


CALLS: dict[Permission, Call] = {
    Permission.USER_LIST: lambda s, _: s.accounts.list_users(s.user),
    Permission.USER_MANAGE: _add_user,
    Permission.POLICY_MANAGE: lambda s, _: s.policies.update(s.user, Policy(idle_minutes=17)),
    Permission.AUDIT_VIEW: lambda s, _: s.audit.page(s.user, AuditFilter()),
    Permission.AUDIT_EXPORT: _export,
    Permission.AUDIT_VERIFY: lambda s, _: s.audit.verify(s.user),
    Permission.RECOVERY_REGENERATE: lambda s, _: s.vault.regenerate_recovery(s.user),
    Permission.VAULT_EXPORT_KEY: lambda s, _: s.vault.export_key(s.user),
}


def _took_effect(permission: Permission, result: Any, admin: Session, tmp: Path) -> bool:
    """Whether the call's effect is visible (to an administrator looking afterwards)."""
    if permission == Permission.USER_LIST:
        return len(result) == 5
    if permission == Permission.USER_MANAGE:
        return any(u.name == "Matrix Probe" for u in admin.accounts.list_users(admin.user))
    if permission == Permission.POLICY_MANAGE:
        return admin.policies.get().idle_minutes == 17
    if permission == Permission.AUDIT_VIEW:
        return len(result) > 0
    if permission == Permission.AUDIT_EXPORT:
        return (tmp / "trail.csv").is_file() and result > 0
    if permission == Permission.AUDIT_VERIFY:
        return result.ok
    if permission == Permission.RECOVERY_REGENERATE:
        return isinstance(result, str) and len(result) > 20
    if permission == Permission.VAULT_EXPORT_KEY:
        return isinstance(result, str) and len(bytes.fromhex(result)) == 32
    raise AssertionError(permission)


def test_every_permission_has_a_guarded_call_and_a_label() -> None:
    assert set(CALLS) == set(Permission)
    assert set(PERMISSION_ACTIONS) == set(Permission)
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_matrix_shape() -> None:
    # The matrix as data must keep its key properties (a typo would grant or deny a whole role).
    assert ROLE_PERMISSIONS[Role.ADMINISTRATOR] == frozenset(Permission)
    for role in (Role.SALES_MANAGER, Role.SALES_REP, Role.FINANCE, Role.AUDITOR):
        assert Permission.USER_MANAGE not in ROLE_PERMISSIONS[role]
        assert Permission.VAULT_EXPORT_KEY not in ROLE_PERMISSIONS[role]
    assert Permission.AUDIT_VERIFY in ROLE_PERMISSIONS[Role.AUDITOR]


@pytest.mark.parametrize("permission", list(Permission), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_role_permission_matrix(role: Role, permission: Permission, login: Any,
                                tmp_path: Path) -> None:
    allowed = has_permission(role, permission)
    session: Session = login(role)
    assert session.can(permission) == allowed
    if allowed:
        result = CALLS[permission](session, tmp_path)
        session.close()  # a regenerated recovery key rekeys: only one window may be open
        admin = login(Role.ADMINISTRATOR)
        assert _took_effect(permission, result, admin, tmp_path)
        return
    with pytest.raises(PermissionDenied) as info:
        CALLS[permission](session, tmp_path)
    assert PERMISSION_ACTIONS[permission] in str(info.value)
    admin = login(Role.ADMINISTRATOR)
    denials = admin.audit.page(admin.user, AuditFilter(action="permission.denied"))
    assert len(denials) == 1
    newest = denials[0]
    assert newest.outcome == "denied"
    assert newest.actor_id == session.user.id and newest.actor_name == session.user.name
    assert newest.details == {"permission": permission.value}
    # A refusal has no side effect.
    assert admin.policies.get() == Policy()
    assert all(u.name != "Matrix Probe" for u in admin.accounts.list_users(admin.user))
    assert not (tmp_path / "trail.csv").exists()
    assert admin.audit.verify(admin.user).ok


@pytest.mark.parametrize("permission", list(Permission), ids=str)
def test_must_change_password_blocks_every_guarded_call(permission: Permission,
                                                        admin_session: Session,
                                                        auth: Authenticator, vault_path: Path,
                                                        tmp_path: Path) -> None:
    """A second administrator whose password was reset holds every permission, yet may use none
    of them until they choose a new password."""
    admin = admin_session
    second = admin.accounts.add_user(admin.user, "Second Admin", Role.ADMINISTRATOR,
                                     "temporary words 4 now", must_change=True)
    admin.close()
    session = auth.login(vault_path, "Second Admin", "temporary words 4 now")
    try:
        assert session.user.id == second.id and session.user.must_change_password
        assert not session.can(permission)
        with pytest.raises(PasswordChangeRequired):
            CALLS[permission](session, tmp_path)
        session.change_password("temporary words 4 now", "my own chosen words 5")
        assert not session.user.must_change_password
        assert session.can(permission)
        CALLS[permission](session, tmp_path)
    finally:
        session.close()


def test_a_demotion_applies_to_a_session_that_is_already_open(admin_session: Session,
                                                              auth: Authenticator,
                                                              vault_path: Path,
                                                              tmp_path: Path) -> None:
    """Permissions follow the account as stored, not the copy a session took at login: an
    administrator demoted by a colleague loses the key export at once."""
    admin = admin_session
    bob = admin.accounts.add_user(admin.user, "Bob Second", Role.ADMINISTRATOR,
                                  "second admin words 3", must_change=False)
    session = auth.login(vault_path, "Bob Second", "second admin words 3")
    try:
        assert session.vault.export_key(session.user)
        admin.accounts.set_role(admin.user, bob.id, Role.SALES_REP)
        for permission in Permission:
            if permission == Permission.RECOVERY_REGENERATE:
                continue  # would rekey while two windows are open; covered by the matrix
            with pytest.raises(PermissionDenied):
                CALLS[permission](session, tmp_path)
    finally:
        session.close()


def test_a_password_reset_applies_to_a_session_that_is_already_open(
        admin_session: Session, auth: Authenticator, vault_path: Path, tmp_path: Path) -> None:
    admin = admin_session
    bob = admin.accounts.add_user(admin.user, "Bob Second", Role.ADMINISTRATOR,
                                  "second admin words 3", must_change=False)
    session = auth.login(vault_path, "Bob Second", "second admin words 3")
    try:
        admin.accounts.reset_password(admin.user, bob.id)
        with pytest.raises(PasswordChangeRequired):
            session.vault.export_key(session.user)
    finally:
        session.close()
