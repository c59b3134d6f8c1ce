"""From a customer's detail: sharing it with colleagues (and taking shares back), and merging a
duplicate into it. Both run through core services, which check the same rights again."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from core.customers.model import CustomerSummary, CustomerView
from core.customers.people import Colleague
from core.session import Session
from ui.task_dialog import TaskDialog
from ui.widgets import ask

SEARCH_DELAY_MS = 200
MOVE_COUNT = 200  # interactions counted for the merge's confirmation


class ShareDialog(TaskDialog):
    """The colleagues the customer is shared with, each removable, and one more to add."""

    def __init__(self, session: Session, view: CustomerView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._id = view.id
        self.setWindowTitle(self.tr("Share {name}").format(name=view.name))
        self.setMinimumWidth(420)
        shared_label = QLabel(self.tr("&Shared with:"), self)
        self.shares = QListWidget(self)
        self.shares.setObjectName("shares")
        shared_label.setBuddy(self.shares)
        self.unshare_button = QPushButton(self.tr("&Unshare"), self)
        self.unshare_button.clicked.connect(self.unshare)
        self.colleague = QComboBox(self)
        self.colleague.setObjectName("colleague")
        add_label = QLabel(self.tr("&Colleague:"), self)
        add_label.setBuddy(self.colleague)
        row = QHBoxLayout()
        row.addWidget(add_label)
        row.addWidget(self.colleague, 1)
        self.add_footer(self.tr("S&hare"), self.share, shared_label, self.shares,
                        self.unshare_button, row)
        self.cancel_button.setText(self.tr("Close"))
        self.shares.currentRowChanged.connect(lambda _r: self._update())
        self.colleague.currentIndexChanged.connect(lambda _i: self._update())
        self.load()

    def load(self) -> None:
        session, actor, customer_id = self._session, self._session.user, self._id

        def work(_task: object) -> tuple[list[Colleague], list[Colleague]]:
            return (session.customer_people.shares(actor, customer_id),
                    session.customer_people.share_candidates(actor))

        self.run(self.tr("Loading…"), [self.shares, self.colleague], work, self._fill)

    def _fill(self, result: tuple[list[Colleague], list[Colleague]]) -> None:
        shares, candidates = result
        self.shares.clear()
        for person in shares:
            item = QListWidgetItem(person.name, self.shares)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
        if not shares:
            self.shares.addItem(self.tr("(nobody)"))
            self.shares.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        taken = {p.id for p in shares}
        self.colleague.clear()
        for person in candidates:
            if person.id not in taken:
                self.colleague.addItem(person.name, person.id)
        self._update()

    def _update(self) -> None:
        item = self.shares.currentItem()
        busy = getattr(self, "busy", None)
        idle = busy is None or not busy.active
        self.unshare_button.setEnabled(
            idle and item is not None and item.data(Qt.ItemDataRole.UserRole) is not None)
        if hasattr(self, "ok_button"):
            self.ok_button.setEnabled(idle and self.colleague.currentData() is not None)

    def share(self) -> None:
        self._set(self.colleague.currentData(), True)

    def unshare(self) -> None:
        item = self.shares.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
            self._set(int(item.data(Qt.ItemDataRole.UserRole)), False)

    def _set(self, user_id: int | None, shared: bool) -> None:
        if user_id is None:
            return
        session, actor, customer_id = self._session, self._session.user, self._id

        def work(_task: object) -> tuple[list[Colleague], list[Colleague]]:
            session.customers.set_shared(actor, customer_id, user_id, shared)
            return (session.customer_people.shares(actor, customer_id),
                    session.customer_people.share_candidates(actor))

        self.run(self.tr("Saving…"), [self.shares, self.colleague], work, self._fill)


class MergeDialog(TaskDialog):
    """Find the duplicate by searching, then confirm: it is folded into this customer (its
    interactions, tasks, phones and contacts move here) and deleted. `merged` after OK."""

    def __init__(self, session: Session, keep: CustomerView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._keep = keep
        self.merged: CustomerView | None = None
        self.setWindowTitle(self.tr("Merge a duplicate into {name}").format(name=keep.name))
        self.setMinimumSize(460, 380)
        self.query = QLineEdit(self)
        self.query.setObjectName("mergeSearch")
        self.query.setClearButtonEnabled(True)
        self.query.setPlaceholderText(self.tr("Search the duplicate by name, phone, e-mail…"))
        self.results = QListWidget(self)
        self.results.setObjectName("mergeResults")
        intro = QLabel(self.tr("The customer you pick is merged into this one and then "
                               "deleted. You need the right to edit both."), self)
        intro.setWordWrap(True)
        self.add_footer(self.tr("&Merge…"), self.confirm, intro, self.query, self.results)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self.search)
        self.results.currentRowChanged.connect(lambda _r: self._update())
        self.results.itemActivated.connect(lambda _i: self.confirm())
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(not self.busy.active and self.results.currentItem() is not None)

    def search(self) -> None:
        self._timer.stop()
        text = self.query.text().strip()
        if not text or self.busy.active:
            return
        session, actor, keep_id = self._session, self._session.user, self._keep.id

        def work(_task: object) -> list[CustomerSummary]:
            return [s for s in session.customers.search(actor, text, 50) if s.id != keep_id]

        self.run(self.tr("Searching…"), [self.query], work, self._show)

    def _show(self, hits: list[CustomerSummary]) -> None:
        self.results.clear()
        for hit in hits:
            text = self.tr("{name} (#{id}) · {city} · {owner}").format(
                name=hit.name, id=hit.id, city=hit.city or "—", owner=hit.owner_name)
            item = QListWidgetItem(text, self.results)
            item.setData(Qt.ItemDataRole.UserRole, hit)
        if hits:
            self.results.setCurrentRow(0)
        else:
            self.message.show_message(self.tr("No other customer matches."), "info")
        self._update()

    def confirm(self) -> None:
        item = self.results.currentItem()
        if item is None or self.busy.active:
            return
        other: CustomerSummary = item.data(Qt.ItemDataRole.UserRole)
        session, actor = self._session, self._session.user

        def count(_task: object) -> tuple[int, int]:
            # Enough to say "N" or "more than N": the confirmation is a summary, not a census.
            shown = len(session.interactions.timeline(actor, other.id, limit=MOVE_COUNT + 1))
            return shown, len(session.interactions.tasks_for(actor, other.id))

        self.run(self.tr("Looking at {name}…").format(name=other.name), [self.results],
                 count, lambda counts: self._ask(other, *counts))

    def _ask(self, other: CustomerSummary, interactions: int, tasks: int) -> None:
        moved = (self.tr("more than {count}").format(count=MOVE_COUNT)
                 if interactions > MOVE_COUNT else str(interactions))
        text = self.tr(
            "Merge {other} (#{other_id}, owner {owner}) into {keep}?\n\n"
            "Moves to {keep}: {interactions} interactions and {tasks} tasks; its phones, "
            "tags, contacts and protected values; the fields empty in {keep}. Notes are "
            "joined, and whoever could see {other} gets {keep} shared.\n\n"
            "{other} is then deleted. The merge is recorded in the audit trail.").format(
            other=other.name, other_id=other.id, owner=other.owner_name,
            keep=self._keep.name, interactions=moved, tasks=tasks)
        self.confirm_box = ask(self, self.tr("Merge customers"), text, self.tr("&Merge"),
                               lambda: self._merge(other.id))

    def _merge(self, remove_id: int) -> None:
        session, actor, keep_id = self._session, self._session.user, self._keep.id

        def done(view: CustomerView) -> None:
            self.merged = view
            self.accept()

        self.run(self.tr("Merging…"), [self.query, self.results],
                 lambda _t: session.customers.merge(actor, keep_id, remove_id), done)
