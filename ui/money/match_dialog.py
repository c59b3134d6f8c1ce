"""Matching a statement line by hand: the receipts and instalments left open, the likeliest
first (same amount, then a payer like the customer, then the nearest date), narrowed by a
filter; tick one or more. A plain match pays them oldest first (a difference is flagged by
core, not refused); a split gives each an amount, and the amounts must add up to the line
exactly before the dialog lets it go. Core records the match on a worker."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.money.match_model import INSTALMENT, RECEIPT, OpenInstalment, OpenReceipt
from core.money.names import best_similarity
from core.money.reconciliation_model import MatchTarget, StoredLine, StoredMatch
from core.session import Session
from ui.contracts.labels import plain
from ui.money.labels import day_text, money, parse_amount
from ui.widgets import add_status, button_row
from ui.worker import error_text, run_op

SHOWN = 200  # candidates listed for the filter (the chosen ones always stay listed)
MAX_COMPARED = 5000  # beyond this many, names are not compared (it would stall the window)
USE, KIND, CUSTOMER, DAY, OPEN, REFERENCE, SPLIT = range(7)
Key = tuple[str, str]
Candidate = OpenReceipt | OpenInstalment


def _key(c: Candidate) -> Key:
    return (RECEIPT if isinstance(c, OpenReceipt) else INSTALMENT, c.id)


def _amount(c: Candidate) -> Decimal:
    return c.amount if isinstance(c, OpenReceipt) else c.open_amount


def _day(c: Candidate) -> str:
    return day_text(c.date if isinstance(c, OpenReceipt) else c.due_date)


def _references(c: Candidate) -> str:
    return c.reference if isinstance(c, OpenReceipt) else ", ".join(c.references)


def ranked(line: StoredLine, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Likeliest first: the line's currency and amount, a payer like the customer, the date."""

    compare = bool(line.payer_name) and len(candidates) <= MAX_COMPARED

    def rank(c: Candidate) -> tuple[int, int, float, int]:
        when = c.date if isinstance(c, OpenReceipt) else c.due_date
        similar = best_similarity(line.payer_name, (c.customer_name,)) if compare else 0.0
        return (c.currency != line.currency, _amount(c) != line.amount, -similar,
                abs((when - line.date).days))

    return sorted(candidates, key=rank)


class MatchDialog(QDialog):
    def __init__(self, session: Session, line: StoredLine, receipts: Sequence[OpenReceipt],
                 instalments: Sequence[OpenInstalment], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.line = line
        self.done_parts: list[StoredMatch] = []
        self._all = ranked(line, [*receipts, *instalments])
        self._by_key = {_key(c): c for c in self._all}
        self._chosen: dict[Key, str] = {}  # key -> split amount typed
        self._shown: list[Candidate] = []
        self.setWindowTitle(self.tr("Match statement line"))
        self.resize(820, 520)
        intro = QLabel(self.tr("Row {row}, {day}: {amount} from {payer} (reference {ref}). "
                               "Tick the receipts or instalments this money is for.").format(
            row=line.row, day=day_text(line.date), amount=money(line.amount, line.currency),
            payer=line.payer_name or "—", ref=line.reference or "—"), self)
        intro.setWordWrap(True)
        plain(intro)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter by customer, reference, amount or id"))
        self.filter.setClearButtonEnabled(True)
        self.whole = QRadioButton(self.tr("&Match: pay the ticked items oldest first"), self)
        self.split = QRadioButton(self.tr("&Split: give each ticked item an amount"), self)
        self.whole.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.whole)
        group.addButton(self.split)
        self.table = QTableWidget(0, 7, self)
        self.table.setHorizontalHeaderLabels([
            self.tr("Use"), self.tr("Kind"), self.tr("Customer"), self.tr("Date"),
            self.tr("Open amount"), self.tr("Contract / reference"), self.tr("Split amount")])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(CUSTOMER,
                                                           QHeaderView.ResizeMode.Stretch)
        for column, width in ((USE, 40), (KIND, 120), (DAY, 90), (OPEN, 120),
                              (REFERENCE, 150), (SPLIT, 110)):
            self.table.setColumnWidth(column, width)
        self.total = QLabel(self)
        plain(self.total)
        self.note = QLineEdit(self)
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("Note (optional), e.g. why this is the payment"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Matc&h"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.filter)
        layout.addLayout(button_row(self.whole, self.split))  # type: ignore[arg-type]
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.note)
        self.message, self.busy = add_status(layout, self)
        plain(self.message)
        layout.addWidget(self.buttons)
        self.filter.textChanged.connect(lambda _t: self._fill())
        self.split.toggled.connect(lambda _on: self._fill())
        self.table.itemChanged.connect(self._item_changed)
        self._fill()

    # -- the candidates ----------------------------------------------------------------------
    def _matches_filter(self, c: Candidate, words: list[str]) -> bool:
        text = " ".join((c.id, c.customer_name, _references(c), str(_amount(c)),
                         money(_amount(c), c.currency))).casefold()
        return all(w in text for w in words)

    def _fill(self) -> None:
        words = self.filter.text().casefold().replace(",", "").split()
        chosen = [self._by_key[k] for k in self._chosen]
        rest = [c for c in self._all if _key(c) not in self._chosen
                and self._matches_filter(c, [w for w in words])]
        self._shown = [*chosen, *rest[:SHOWN]]
        splitting = self.split.isChecked()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._shown))
        kinds = {RECEIPT: self.tr("Receipt"), INSTALMENT: self.tr("Instalment")}
        for row, c in enumerate(self._shown):
            key = _key(c)
            use = QTableWidgetItem()
            use.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            use.setCheckState(Qt.CheckState.Checked if key in self._chosen
                              else Qt.CheckState.Unchecked)
            self.table.setItem(row, USE, use)
            cells = (f"{kinds[key[0]]} #{c.id}", c.customer_name, _day(c),
                     money(_amount(c), c.currency), _references(c))
            for column, text in enumerate(cells, start=KIND):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if column == OPEN:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            split = QTableWidgetItem(self._chosen.get(key, ""))
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if splitting and key in self._chosen:
                flags |= Qt.ItemFlag.ItemIsEditable
            split.setFlags(flags)
            self.table.setItem(row, SPLIT, split)
        self.table.setColumnHidden(SPLIT, not splitting)
        self.table.blockSignals(False)
        self._update()

    def _item_changed(self, item: QTableWidgetItem) -> None:
        row = item.row()
        if not 0 <= row < len(self._shown):
            return
        key = _key(self._shown[row])
        if item.column() == USE:
            if item.checkState() == Qt.CheckState.Checked:
                self._chosen.setdefault(key, "")
            else:
                self._chosen.pop(key, None)
            self._fill()
        elif item.column() == SPLIT and key in self._chosen:
            self._chosen[key] = item.text()
            self._update()

    # -- choosing ----------------------------------------------------------------------------
    def choose(self, kind: str, target_id: int | str, split_amount: str = "") -> None:
        """Tick a candidate (and type its split amount), as a person would."""
        key = (kind, str(target_id))
        if key not in self._by_key:
            raise KeyError(key)
        self._chosen[key] = split_amount
        self._fill()

    def targets(self) -> list[MatchTarget] | str:
        """What core is asked to match, or why it cannot be asked yet."""
        if not self._chosen:
            return self.tr("Tick at least one receipt or instalment.")
        if not self.split.isChecked():
            return [MatchTarget(kind, int(i)) for kind, i in self._chosen]
        out = []
        for (kind, i), text in self._chosen.items():
            value = parse_amount(text)
            if value is None or value <= 0:
                return self.tr("Give every ticked item an amount, such as 1,130.00.")
            out.append(MatchTarget(kind, int(i), value))
        given = sum((t.amount or Decimal(0) for t in out), Decimal(0))
        if given != self.line.amount:
            return self.tr("The amounts add up to {given}, not the line's {amount}.").format(
                given=money(given, self.line.currency),
                amount=money(self.line.amount, self.line.currency))
        return out

    def _update(self) -> None:
        chosen = [self._by_key[k] for k in self._chosen]
        expected = sum((_amount(c) for c in chosen), Decimal(0))
        result = self.targets()
        text = self.tr("{count} ticked, open {expected}; the line is {amount}.").format(
            count=len(chosen), expected=money(expected, self.line.currency),
            amount=money(self.line.amount, self.line.currency))
        if isinstance(result, str):
            text += " " + result
        elif not self.split.isChecked() and chosen and expected != self.line.amount:
            text += " " + self.tr("The difference of {diff} will be flagged.").format(
                diff=money(self.line.amount - expected, self.line.currency))
        self.total.setText(text)
        self.ok_button.setEnabled(not isinstance(result, str) and not self.busy.active)

    def submit(self) -> None:
        targets = self.targets()
        if isinstance(targets, str):
            self.message.show_message(targets)
            return
        session, actor, line_id, note = (self._session, self._session.user, self.line.id,
                                         self.note.text().strip())
        self.busy.start(self.tr("Matching…"), [self.ok_button, self.table])

        def done(parts: list[StoredMatch]) -> None:
            self.done_parts = parts
            self.accept()

        run_op(self, lambda _t: session.reconciliation.match(actor, line_id, targets, note),
               on_done=done, on_error=lambda exc: self.message.show_message(error_text(exc)),
               on_finished=self._finished)

    def _finished(self) -> None:
        self.busy.stop()
        self._update()

    def reject(self) -> None:
        if not self.busy.active:
            super().reject()

    def wipe(self) -> None:
        self._all, self._by_key, self._chosen, self._shown = [], {}, {}, []
        self.table.setRowCount(0)
        self.hide()
