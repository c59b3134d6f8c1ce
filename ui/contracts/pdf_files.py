"""Choosing, reading and writing the files of the contract screens (PDFs, certificates).

Writes are atomic (core.export_file: a temporary file beside the target, fsynced, renamed
over it), so a cancelled or failed save never leaves half a PDF behind. Reads are bounded: a
file chosen by mistake (a disk image) must not be pulled into memory whole."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QWidget

from core.errors import InvalidInput
from core.export_file import atomic_output, check_target

MAX_FILE = 200 * 1024 * 1024  # the archive refuses larger PDFs as well


def _tr(text: str) -> str:
    return QCoreApplication.translate("PdfFiles", text)


def pdf_filter() -> str:
    return _tr("PDF files (*.pdf);;All files (*)")


def choose_save_path(parent: QWidget, title: str, suggested: str, filters: str,
                     suffix: str) -> str:
    """Where to save; '' when cancelled. `suffix` (".pdf") is added when the name lacks it."""
    path, _kind = QFileDialog.getSaveFileName(parent, title, str(Path.home() / suggested),
                                              filters)
    if path and not path.lower().endswith(suffix):
        path += suffix
    return path


def choose_open_path(parent: QWidget, title: str, filters: str) -> str:
    path, _kind = QFileDialog.getOpenFileName(parent, title, str(Path.home()), filters)
    return path


def read_file(path: str | Path, limit: int = MAX_FILE) -> bytes:
    """The file's bytes, or InvalidInput with a sentence a person can act on."""
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > limit:
            raise InvalidInput(f"{target.name} is too large ({size // (1024 * 1024)} MB).")
        return target.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"Could not read {target}: {exc.strerror or exc}.") from exc


def write_file(path: str | Path, data: bytes) -> Path:
    """Write `data` atomically; InvalidInput when the place cannot be written."""
    target = check_target(Path(path))
    try:
        with atomic_output(target) as handle:
            handle.write(data)
    except OSError as exc:
        raise InvalidInput(f"Could not write {target}: {exc.strerror or exc}.") from exc
    return target


def safe_file_name(text: str) -> str:
    """A contract number as part of a suggested file name."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text).strip("-.")
    return cleaned or "contract"
