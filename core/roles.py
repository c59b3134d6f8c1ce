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
    CUSTOMER_READ_ALL = "customer.read_all"
    CUSTOMER_READ_TEAM = "customer.read_team"
    CUSTOMER_READ_OWN = "customer.read_own"
    CUSTOMER_WRITE = "customer.write"
    CUSTOMER_SHARE = "customer.share"
    CUSTOMER_TRANSFER = "customer.transfer"
    SENSITIVE_REVEAL = "customer.reveal"
    INTERACTION_WRITE = "interaction.write"
    CUSTOMER_IMPORT = "customer.import"
    CUSTOMER_EXPORT = "customer.export"
    PRIVACY_MANAGE = "privacy.manage"
    CONTRACT_WRITE = "contract.write"
    CONTRACT_APPROVE = "contract.approve"
    CONTRACT_SIGN = "contract.sign"
    CONTRACT_EXPORT = "contract.export"
    TEMPLATE_MANAGE = "contract.templates"
    SIGNING_MANAGE = "signing.manage"
    RECEIVABLE_READ = "money.read"
    PAYMENT_RECORD = "money.record"
    RECONCILE = "money.reconcile"
    FUND_REQUEST = "money.fund_request"
    FUND_APPROVE = "money.fund_approve"
    CREDIT_MANAGE = "money.credit"
    COLLECTION_WRITE = "money.collect"


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
    Permission.CUSTOMER_READ_ALL: "see every customer",
    Permission.CUSTOMER_READ_TEAM: "see your team's customers",
    Permission.CUSTOMER_READ_OWN: "see customers",
    Permission.CUSTOMER_WRITE: "create or change customers",
    Permission.CUSTOMER_SHARE: "share customers with colleagues",
    Permission.CUSTOMER_TRANSFER: "transfer customers between reps",
    Permission.SENSITIVE_REVEAL: "reveal protected customer data",
    Permission.INTERACTION_WRITE: "record interactions and tasks",
    Permission.CUSTOMER_IMPORT: "import customers",
    Permission.CUSTOMER_EXPORT: "export customers",
    Permission.PRIVACY_MANAGE: "manage customer privacy (collected fields, access requests, "
                               "anonymisation, retention)",
    Permission.CONTRACT_WRITE: "draft or change contracts",
    Permission.CONTRACT_APPROVE: "approve or reject contracts",
    Permission.CONTRACT_SIGN: "sign contracts for the company",
    Permission.CONTRACT_EXPORT: "export signed contracts",
    Permission.TEMPLATE_MANAGE: "maintain contract templates and the clause library",
    Permission.SIGNING_MANAGE: "manage the vault's signing certificates",
    Permission.RECEIVABLE_READ: "see receivables, receipts and ageing",
    Permission.PAYMENT_RECORD: "record and allocate receipts",
    Permission.RECONCILE: "import bank statements and reconcile them",
    Permission.FUND_REQUEST: "request refunds, discounts after signing, rebates, provisions "
                             "and write-offs",
    Permission.FUND_APPROVE: "approve refunds, discounts after signing, rebates, provisions "
                             "and write-offs",
    Permission.CREDIT_MANAGE: "set customers' approved credit limits",
    Permission.COLLECTION_WRITE: "record collection notes on receivables",
}

# Contracts are read through the customer they belong to (whoever sees the customer sees its
# contracts); approving is further limited to the approval step's role (core/contracts).
_SELLING = frozenset({Permission.CUSTOMER_WRITE, Permission.CUSTOMER_SHARE,
                      Permission.SENSITIVE_REVEAL, Permission.INTERACTION_WRITE,
                      Permission.CONTRACT_WRITE, Permission.CONTRACT_SIGN,
                      Permission.CONTRACT_EXPORT, Permission.RECEIVABLE_READ,
                      Permission.COLLECTION_WRITE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Administrators see every customer through CUSTOMER_READ_ALL; the narrower read
    # permissions exist for the roles whose view is limited.
    Role.ADMINISTRATOR: frozenset(Permission) - {Permission.CUSTOMER_READ_TEAM,
                                                 Permission.CUSTOMER_READ_OWN},
    # Bulk import and export stay with managers and administrators: a file of every customer
    # is the easiest thing to walk out of the door with.
    Role.SALES_MANAGER: frozenset({Permission.USER_LIST, Permission.CUSTOMER_READ_TEAM,
                                   Permission.CUSTOMER_TRANSFER, Permission.CUSTOMER_IMPORT,
                                   Permission.CUSTOMER_EXPORT, Permission.CONTRACT_APPROVE,
                                   Permission.TEMPLATE_MANAGE, Permission.FUND_REQUEST,
                                   Permission.CREDIT_MANAGE}) | _SELLING,
    Role.SALES_REP: frozenset({Permission.CUSTOMER_READ_OWN}) | _SELLING,
    Role.FINANCE: frozenset({Permission.CUSTOMER_READ_ALL, Permission.SENSITIVE_REVEAL,
                             Permission.CONTRACT_APPROVE, Permission.CONTRACT_EXPORT,
                             Permission.RECEIVABLE_READ, Permission.PAYMENT_RECORD,
                             Permission.RECONCILE, Permission.FUND_REQUEST,
                             Permission.FUND_APPROVE, Permission.CREDIT_MANAGE,
                             Permission.COLLECTION_WRITE}),
    Role.AUDITOR: frozenset(
        {Permission.USER_LIST, Permission.AUDIT_VIEW, Permission.AUDIT_EXPORT,
         Permission.AUDIT_VERIFY, Permission.CUSTOMER_READ_ALL, Permission.RECEIVABLE_READ}
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
