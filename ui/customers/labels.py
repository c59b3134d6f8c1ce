"""Display words for customer values: core keeps English identifiers, these are translated."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from core.customers.interactions import InteractionKind
from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    PERSONAL_MOBILE,
    CustomerKind,
    CustomerStatus,
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Customers", text)


def kind_label(kind: CustomerKind) -> str:
    return {CustomerKind.COMPANY: _tr("Company"),
            CustomerKind.INDIVIDUAL: _tr("Individual")}.get(kind, str(kind))


def status_label(status: CustomerStatus) -> str:
    return {CustomerStatus.LEAD: _tr("Lead"), CustomerStatus.PROSPECT: _tr("Prospect"),
            CustomerStatus.ACTIVE: _tr("Active"),
            CustomerStatus.INACTIVE: _tr("Inactive")}.get(status, str(status))


def interaction_label(kind: InteractionKind) -> str:
    return {InteractionKind.CALL: _tr("Call"), InteractionKind.VISIT: _tr("Visit"),
            InteractionKind.MEETING: _tr("Meeting"), InteractionKind.EMAIL: _tr("E-mail"),
            InteractionKind.NOTE: _tr("Note")}.get(kind, str(kind))


def protected_label(field: str) -> str:
    """Built-in protected fields by name; an administrator's custom field by its key."""
    return {NATIONAL_ID: _tr("National ID"), PERSONAL_MOBILE: _tr("Personal mobile"),
            BANK_ACCOUNT: _tr("Bank account")}.get(field, field)


def local_time(value: datetime, seconds: bool = False) -> str:
    """Stored in UTC, shown in this computer's time zone."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def core_text(message: str) -> str:
    """A message from core (English), looked up in the "core" catalogue like error_text does."""
    return QCoreApplication.translate("core", message)
