"""Display words for contract values: core keeps English identifiers, these are translated; and
the conversions between what a person types (percent, plain numbers) and core's Decimals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel

from core.contracts.model import ClauseCategory
from core.contracts.money import MINOR_UNITS, format_amount
from core.contracts.workflow import ApproverRole, ContractState


def _tr(text: str) -> str:
    return QCoreApplication.translate("Contracts", text)


def state_label(state: str) -> str:
    labels = {ContractState.DRAFT: _tr("Draft"), ContractState.IN_REVIEW: _tr("In review"),
              ContractState.APPROVED: _tr("Approved"), ContractState.REJECTED: _tr("Rejected"),
              ContractState.SIGNED: _tr("Signed"), ContractState.ACTIVE: _tr("Active"),
              ContractState.COMPLETED: _tr("Completed"),
              ContractState.TERMINATED: _tr("Terminated")}
    return labels.get(state, str(state))  # type: ignore[call-overload]


def step_label(step: str | None) -> str:
    labels = {ApproverRole.MANAGER: _tr("Sales manager"), ApproverRole.FINANCE: _tr("Finance"),
              ApproverRole.ADMINISTRATOR: _tr("Administrator")}
    return labels.get(step, str(step or "")) if step else ""  # type: ignore[call-overload]


def category_label(category: str) -> str:
    labels = {ClauseCategory.PAYMENT: _tr("Payment"), ClauseCategory.DELIVERY: _tr("Delivery"),
              ClauseCategory.ACCEPTANCE: _tr("Acceptance"),
              ClauseCategory.WARRANTY: _tr("Warranty"),
              ClauseCategory.LIABILITY: _tr("Liability"),
              ClauseCategory.CONFIDENTIALITY: _tr("Confidentiality"),
              ClauseCategory.DATA_PROTECTION: _tr("Data protection"),
              ClauseCategory.DISPUTE_RESOLUTION: _tr("Dispute resolution"),
              ClauseCategory.OTHER: _tr("Other")}
    return labels.get(category, str(category))  # type: ignore[call-overload]


def risk_label(level: str | None) -> str:
    labels = {"low": _tr("Low risk"), "medium": _tr("Medium risk"), "high": _tr("High risk")}
    return labels.get(level or "", _tr("Risk not assessed"))


def event_label(action: str) -> str:
    labels = {"drafted": _tr("Drafted"), "edited": _tr("Edited"),
              "submitted": _tr("Submitted for review"), "approved": _tr("Approved"),
              "rejected": _tr("Rejected"), "signed": _tr("Signed"),
              "activated": _tr("Activated"), "completed": _tr("Completed"),
              "terminated": _tr("Terminated")}
    return labels.get(action, action)


def money(amount: Decimal, currency: str) -> str:
    """1234.5 CNY -> '1,234.50 CNY' (core's rounding and grouping)."""
    if currency not in MINOR_UNITS:
        return f"{amount} {currency}"
    return f"{format_amount(amount, currency)} {currency}"


def number_text(text: str) -> Decimal | None:
    """What a person typed as a number ("1,200.50", " 3 ") as a Decimal; None if it is none.
    Floats never enter: core refuses them, and 0.1 is not 0.1."""
    cleaned = text.replace(",", "").replace("，", "").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def percent_to_fraction(text: str) -> Decimal | None:
    """The UI shows percent (13), core keeps fractions (0.13). Empty means 0."""
    cleaned = text.replace("%", "").strip()
    if not cleaned:
        return Decimal(0)
    value = number_text(cleaned)
    return None if value is None else value.scaleb(-2)


def fraction_to_percent(value: Decimal) -> str:
    """0.13 -> '13', 0.125 -> '12.5', 0 -> '0'."""
    percent = Decimal(value).scaleb(2).normalize()
    text = f"{percent:f}"
    return text


def plain(*labels: QLabel) -> None:
    """Show text exactly as written: a QLabel otherwise renders anything that looks like markup,
    and titles, clause names and messages quoting input are typed by people."""
    for label in labels:
        label.setTextFormat(Qt.TextFormat.PlainText)
