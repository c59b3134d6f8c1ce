"""Roles, permissions and the matrix between them, kept as data so it can be read and tested."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    SALES_MANAGER = "sales_manager"
    SALES_REP = "sales_rep"
    FINANCE = "finance"
    AUDITOR = "auditor"


class Permission(StrEnum):
    USER_LIST = "user.list"
    USER_MANAGE = "user.manage"
    POLICY_MANAGE = "policy.manage"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    AUDIT_VERIFY = "audit.verify"
    RECOVERY_REGENERATE = "vault.recovery"
    VAULT_EXPORT_KEY = "vault.export_key"


# What a person attempting the permission is trying to do, for PermissionDenied messages.
PERMISSION_ACTIONS: dict[Permission, str] = {
    Permission.USER_LIST: "list user accounts",
    Permission.USER_MANAGE: "manage user accounts",
    Permission.POLICY_MANAGE: "change the vault's policies",
    Permission.AUDIT_VIEW: "view the audit trail",
    Permission.AUDIT_EXPORT: "export the audit trail",
    Permission.AUDIT_VERIFY: "verify the audit trail",
    Permission.RECOVERY_REGENERATE: "regenerate the recovery key",
    Permission.VAULT_EXPORT_KEY: "export the vault key",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.SALES_MANAGER: frozenset({Permission.USER_LIST}),
    Role.SALES_REP: frozenset(),
    Role.FINANCE: frozenset(),
    Role.AUDITOR: frozenset(
        {Permission.USER_LIST, Permission.AUDIT_VIEW, Permission.AUDIT_EXPORT,
         Permission.AUDIT_VERIFY}
    ),
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMINISTRATOR: "Administrator",
    Role.SALES_MANAGER: "Sales manager",
    Role.SALES_REP: "Sales rep",
    Role.FINANCE: "Finance",
    Role.AUDITOR: "Auditor",
}
