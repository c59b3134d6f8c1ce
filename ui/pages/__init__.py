"""Main-window pages. A page exists only when the user's role allows what it shows."""

from __future__ import annotations

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


def _customers(session: Session, bridge: BusBridge) -> QWidget:
    from ui.customers.page import CustomersPage

    return CustomersPage(session, bridge)


def _today(session: Session, bridge: BusBridge) -> QWidget:
    from ui.customers.today import TodayPage

    return TodayPage(session, bridge)


def _account(session: Session, bridge: BusBridge) -> QWidget:
    from ui.pages.account import AccountPage

    return AccountPage(session, bridge)


def _users(session: Session, bridge: BusBridge) -> QWidget:
    from ui.pages.users import UsersPage

    return UsersPage(session, bridge)


def _policies(session: Session, bridge: BusBridge) -> QWidget:
    from ui.pages.policies import PoliciesPage

    return PoliciesPage(session, bridge)


def _recovery(session: Session, bridge: BusBridge) -> QWidget:
    from ui.pages.recovery import RecoveryPage

    return RecoveryPage(session, bridge)


def _audit(session: Session, bridge: BusBridge) -> QWidget:
    from ui.pages.audit import AuditPage

    return AuditPage(session, bridge)


def page_specs() -> list[PageSpec]:
    def tr(text: str) -> str:
        return QCoreApplication.translate("Pages", text)

    return [
        PageSpec("customers", tr("Customers"), READ_CUSTOMERS, _customers),
        PageSpec("today", tr("Today"), Permission.INTERACTION_WRITE, _today),
        PageSpec("account", tr("My account"), None, _account),
        PageSpec("users", tr("Users and roles"), Permission.USER_LIST, _users),
        PageSpec("policies", tr("Policies"), Permission.POLICY_MANAGE, _policies),
        PageSpec("recovery", tr("Recovery key"), Permission.RECOVERY_REGENERATE, _recovery),
        PageSpec("audit", tr("Audit trail"), Permission.AUDIT_VIEW, _audit),
    ]


def _allowed(session: Session, spec: PageSpec) -> bool:
    if spec.permission is None:
        return True
    needed = spec.permission if isinstance(spec.permission, tuple) else (spec.permission,)
    return any(session.can(p) for p in needed)


def allowed_pages(session: Session) -> list[PageSpec]:
    return [p for p in page_specs() if _allowed(session, p)]
