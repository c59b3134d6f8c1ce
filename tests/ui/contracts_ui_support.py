"""Helpers for the contract UI tests: a Contracts page or a contract's detail for a session of
the contract test world (tests/core/contract_support.py), waited for until loaded."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from core.session import Session
from ui.bus import BusBridge
from ui.contracts.detail import ContractDialog
from ui.contracts.page import ContractsPage


def contracts_page(qtbot: QtBot, session: Session) -> ContractsPage:
    bridge = BusBridge(session.bus)
    page = ContractsPage(session, bridge)
    bridge.setParent(page)
    qtbot.addWidget(page)
    page.resize(900, 500)
    page.show()
    qtbot.waitUntil(lambda: not page.model.loading)
    return page


def open_detail(qtbot: QtBot, page: ContractsPage, contract_id: int) -> ContractDialog:
    dialog = page.windows.open(contract_id)
    qtbot.waitUntil(lambda: dialog.snapshot is not None
                    and dialog.snapshot.contract.id == contract_id)
    return dialog


def reloaded(qtbot: QtBot, dialog: ContractDialog, revision: int | None = None,
             state: str | None = None) -> None:
    """Wait until the detail shows the contract at `revision` and/or in `state`."""
    def shown() -> bool:
        snap = dialog.snapshot
        return snap is not None and (revision is None or snap.contract.revision == revision) \
            and (state is None or snap.contract.state == state)
    qtbot.waitUntil(shown)
