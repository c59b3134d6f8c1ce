"""Every user-visible string in ui/ goes through Qt's translation: a string literal handed
straight to a text-taking Qt call (rather than through self.tr or QCoreApplication.translate)
would stay English in every language."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"

TEXT_METHODS = {
    "setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "setStatusTip",
    "setTitle", "setLabelText", "showMessage", "setHeaderLabels", "addTab", "setTabText",
    "setSpecialValueText", "setSuffix", "setPrefix", "setWhatsThis", "setInformativeText",
    "getText", "getSaveFileName", "getOpenFileName", "getExistingDirectory", "addMenu",
    "addAction", "addRow", "setItemText",
}
# Static QMessageBox helpers; `log.warning(...)` is not user-visible.
MESSAGE_BOX_METHODS = {"information", "warning", "critical", "question", "about"}
TEXT_WIDGETS = {"QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction",
                "QToolButton", "QMessageBox", "QListWidgetItem", "QProgressDialog"}


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str)) or "{}"
    return None


def _untranslated(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        on_message_box = (isinstance(func, ast.Attribute) and name in MESSAGE_BOX_METHODS
                          and getattr(func.value, "id", "") == "QMessageBox")
        if name not in TEXT_METHODS and name not in TEXT_WIDGETS and not on_message_box:
            continue
        for arg in node.args:
            text = _literal_text(arg)
            if text and any(ch.isalpha() for ch in text):
                found.append((node.lineno, text))
    return found


def test_ui_exists() -> None:
    assert list(UI.rglob("*.py")), "ui/ has no modules"


def test_no_untranslated_literals_in_qt_text_calls() -> None:
    problems = []
    for path in sorted(UI.rglob("*.py")):
        for line, text in _untranslated(ast.parse(path.read_text(encoding="utf-8"))):
            problems.append(f"{path.relative_to(UI.parent)}:{line}: {text!r}")
    assert not problems, "strings shown without tr():\n" + "\n".join(problems)


def test_the_check_catches_an_untranslated_label() -> None:
    sample = ast.parse('label = QLabel("Password")\nok = QLabel(self.tr("Password"))\n'
                       'box.setWindowTitle(f"Vault {name}")\n'
                       'QMessageBox.warning(self, "Oops", self.tr("x"))\n'
                       'log.warning("lock: %s", exc)\n')
    assert [line for line, _ in _untranslated(sample)] == [1, 3, 4]
