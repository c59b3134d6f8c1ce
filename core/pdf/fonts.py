"""The CJK TrueType font contracts are set in, registered with reportlab once, on first use.

WenQuanYi Micro Hei (Apache-2.0, resources/fonts/) covers Chinese and Latin, so one embedded
font renders every document whatever mix of scripts the names and clauses contain; reportlab
subsets it per document, so a PDF carries only the glyphs it uses. Loading the 5 MB face costs
~0.2 s, which is why it happens lazily and only once per process.

asciiReadable=False: reportlab otherwise puts all 95 printable ASCII glyphs in every subset
whether used or not (so content streams show Latin text as ASCII); without it a signature
appearance's font shrinks from ~22 KB to ~10 KB and a contract's by ~9 KB, which every later
step pays for (pyHanko imports, hashes and re-parses it, verification walks it). Text extraction
is unchanged: every subset carries its ToUnicode map.
"""

from __future__ import annotations

import threading
from pathlib import Path

FONT_NAME = "StrongroomCJK"
FONT_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"
FONT_FILE = FONT_DIR / "wqy-microhei.ttc"
# Index 0 of the collection is the proportional face; 1 is the monospaced one.
_SUBFONT_INDEX = 0

_lock = threading.Lock()
_registered = False


def cjk_font() -> str:
    """Register the contract font (once per process) and return its reportlab name.
    <b>/<i> markup maps to the same face: the font has no bold or italic cut."""
    global _registered
    if _registered:
        return FONT_NAME
    with _lock:
        if not _registered:
            if not FONT_FILE.is_file():
                raise FileNotFoundError(
                    f"The contract font is missing: {FONT_FILE}. It ships with Strongroom in "
                    "resources/fonts/; reinstall or restore it from the repository.")
            from reportlab.lib.fonts import addMapping
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE),
                                           subfontIndex=_SUBFONT_INDEX, asciiReadable=False))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
            _registered = True
    return FONT_NAME
