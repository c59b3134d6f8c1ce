"""The layer rules of design.md §1, checked on the source: core imports no Qt, no database
driver and nothing from storage/ui/cli; ui never reaches storage or the driver; storage never
imports Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, at any depth (inside functions too), as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the file's package
                package = path.relative_to(root).parent.parts
                base = list(package[: len(package) - node.level + 1])
                if node.module:
                    found.add(".".join([*base, node.module]))
                else:  # `from .. import x`: x may itself be a module
                    found.update(".".join([*base, a.name]) for a in node.names)
            elif node.module:
                found.add(node.module)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in
              ("import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def _violations(package: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / package).rglob("*.py")):
        for module in imported_modules(path, root):
            top = module.split(".")[0]
            if top in forbidden:
                out.append(f"{path.relative_to(root)} imports {module}")
    return out


def test_the_import_walker_sees_every_import_form(tmp_path: Path) -> None:
    """The checks below are only as good as the walker: it must see plain, from, nested and
    dynamic imports, or a violation would slip through."""
    (tmp_path / "core" / "sub").mkdir(parents=True)
    sample = tmp_path / "core" / "sub" / "probe.py"
    sample.write_text(
        "import os\nfrom storage.vault import X\nfrom .. import storage_like\n"
        "def f():\n    import sqlcipher3\n    from PySide6 import QtCore\n"
        "    importlib.import_module('ui.app')\n",
        encoding="utf-8")
    seen = imported_modules(sample, tmp_path)
    assert {"os", "storage.vault", "sqlcipher3", "PySide6", "ui.app", "core.storage_like"} <= seen
    found = _violations("core", ("storage", "sqlcipher3", "PySide6", "ui"), tmp_path)
    assert len(found) == 4


@pytest.mark.parametrize(("package", "forbidden"), [
    ("core", ("PySide6", "sqlcipher3", "sqlite3", "storage", "ui", "cli", "main")),
    ("ui", ("storage", "sqlcipher3", "sqlite3")),
    ("storage", ("PySide6", "ui", "cli", "main")),
])
def test_layers_respect_their_boundaries(package: str, forbidden: tuple[str, ...]) -> None:
    if not (ROOT / package).is_dir():
        pytest.skip(f"{package}/ does not exist yet")
    assert list((ROOT / package).rglob("*.py")), f"no Python files found under {package}/"
    assert _violations(package, forbidden) == []


def test_core_has_python_files_to_check() -> None:
    # Guards against the walk silently scanning nothing (e.g. after a move of core/).
    names = {p.name for p in (ROOT / "core").rglob("*.py")}
    assert {"auth.py", "audit.py", "session.py"} <= names
