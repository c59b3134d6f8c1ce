"""Main-window pages. A page exists only when the user's role allows what it shows."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from core.roles import Permission
from core.session import Session
from ui.bus import BusBridge

PageFactory = Callable[[Session, BusBridge], QWidget]
READ_CUSTOMERS = (Permission.CUSTOMER_READ_ALL, Permission.CUSTOMER_READ_TEAM,
                  Permission.CUSTOMER_READ_OWN)


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    permission: Permission | tuple[Permission, ...] | None  # a tuple: any one of them
    factory: PageFactory


def _lazy(target: str) -> PageFactory:
    """A factory importing its page module on first use: the login window starts without
    loading every page."""

    def build(session: Session, bridge: BusBridge) -> QWidget:
        module, name = target.split(":")
        page = getattr(importlib.import_module(module), name)
        return page(session, bridge)

    return build


def page_specs() -> list[PageSpec]:
    def tr(text: str) -> str:
        return QCoreApplication.translate("Pages", text)

    return [
        PageSpec("customers", tr("Customers"), READ_CUSTOMERS,
                 _lazy("ui.customers.page:CustomersPage")),
        PageSpec("today", tr("Today"), Permission.INTERACTION_WRITE,
                 _lazy("ui.customers.today:TodayPage")),
        PageSpec("contracts", tr("Contracts"), READ_CUSTOMERS,
                 _lazy("ui.contracts.page:ContractsPage")),
        PageSpec("receivables", tr("Receivables"), Permission.RECEIVABLE_READ,
                 _lazy("ui.money.receivables_page:ReceivablesPage")),
        PageSpec("reconciliation", tr("Reconciliation"), Permission.RECONCILE,
                 _lazy("ui.money.reconciliation_page:ReconciliationPage")),
        PageSpec("funds", tr("Fund approvals"), (Permission.FUND_REQUEST,
                                                 Permission.FUND_APPROVE),
                 _lazy("ui.money.funds_page:FundsPage")),
        PageSpec("credit", tr("Credit"), Permission.CREDIT_MANAGE,
                 _lazy("ui.money.credit_page:CreditPage")),
        PageSpec("templates", tr("Contract templates"), Permission.TEMPLATE_MANAGE,
                 _lazy("ui.contracts.templates_page:TemplatesPage")),
        PageSpec("account", tr("My account"), None, _lazy("ui.pages.account:AccountPage")),
        PageSpec("users", tr("Users and roles"), Permission.USER_LIST,
                 _lazy("ui.pages.users:UsersPage")),
        PageSpec("policies", tr("Policies"), Permission.POLICY_MANAGE,
                 _lazy("ui.pages.policies:PoliciesPage")),
        PageSpec("privacy", tr("Privacy"), Permission.PRIVACY_MANAGE,
                 _lazy("ui.pages.privacy:PrivacyPage")),
        PageSpec("recovery", tr("Recovery key"), Permission.RECOVERY_REGENERATE,
                 _lazy("ui.pages.recovery:RecoveryPage")),
        PageSpec("audit", tr("Audit trail"), Permission.AUDIT_VIEW,
                 _lazy("ui.pages.audit:AuditPage")),
        PageSpec("signing", tr("Signing certificates"), Permission.SIGNING_MANAGE,
                 _lazy("ui.pages.signing:SigningPage")),
    ]


def _allowed(session: Session, spec: PageSpec) -> bool:
    if spec.permission is None:
        return True
    needed = spec.permission if isinstance(spec.permission, tuple) else (spec.permission,)
    return any(session.can(p) for p in needed)


def allowed_pages(session: Session) -> list[PageSpec]:
    return [p for p in page_specs() if _allowed(session, p)]
