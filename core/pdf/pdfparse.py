"""A faster, byte-for-byte equivalent path for one step of pyHanko's PDF parser.

pyHanko reads a hex string `<...>` one byte at a time through Python calls (~1 µs a digit).
A signature's /Contents is such a string of several thousand digits, read again by every
signer after it (pyHanko checks the certification's permissions) and by every verification:
~3.5 ms a signature. `install()` puts a front in place that decodes the string in one step
when it is plainly hex digits and whitespace up to the closing `>`, and hands anything else
(a comment, a stray character, no closing `>`, a stream that is not in memory) to pyHanko's own
function from the opening `<`, so every input gives the same value, the same stream position
and the same errors as before (tests/core/pdf/test_pdf_parse.py compares them).

Installed only when pyHanko's parser has the definitions this front relies on; otherwise
pyHanko is left as it is. Importing this module imports nothing from pyHanko.
"""

from __future__ import annotations

import binascii
import threading
from typing import Any

_WHITESPACE = b" \n\r\t\f\x00"  # pyHanko's PDF_WHITESPACE, checked at install()
_HEX = b"0123456789abcdefABCDEF"  # pyHanko's HEX_DIGITS, checked at install()
_PLAIN = _HEX + _WHITESPACE

_lock = threading.Lock()
_installed = False


def install() -> bool:
    """Put the fast path in front of pyHanko's hex-string reader (once per process); False
    when this pyHanko's parser is not the one it was written against."""
    global _installed
    if _installed:
        return True
    with _lock:
        if _installed:
            return True
        from pyhanko.pdf_utils import generic, misc

        original = generic.read_hex_string_from_stream
        if (generic.HEX_DIGITS != _HEX or misc.PDF_WHITESPACE != _WHITESPACE
                or getattr(original, "__name__", "") != "read_hex_string_from_stream"
                or original.__module__ != generic.__name__):
            return False
        generic.read_hex_string_from_stream = _front(original, generic.pdf_string)
        _installed = True
    return True


def _front(original: Any, pdf_string: Any) -> Any:
    def read_hex_string_from_stream(stream: Any) -> Any:
        fast = _read_plain_hex(stream)
        if fast is None:
            return original(stream)
        return pdf_string(fast)

    read_hex_string_from_stream.__wrapped__ = original  # type: ignore[attr-defined]
    return read_hex_string_from_stream


def _read_plain_hex(stream: Any) -> bytes | None:
    """The decoded bytes of the hex string at the stream's position (its first byte is the
    opening `<`, skipped unread as pyHanko does) when only hex digits and whitespace come
    before the next `>`; the stream is then left just after that `>`. None, with the stream
    untouched, in every other case."""
    getvalue = getattr(stream, "getvalue", None)
    if getvalue is None:
        return None
    start = stream.tell()
    data = getvalue()
    if not isinstance(data, bytes):
        return None
    end = data.find(b">", start + 1)
    if end < 0:
        return None
    body = data[start + 1:end]
    if body.translate(None, _PLAIN):  # a comment (%), a delimiter or any other byte
        return None
    digits = body.translate(None, _WHITESPACE)
    if len(digits) % 2:
        digits += b"0"  # PDF: a missing final digit is taken as 0
    stream.seek(end + 1)
    return binascii.unhexlify(digits)
