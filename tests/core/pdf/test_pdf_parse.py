"""The fast hex-string path (core/pdf/pdfparse.py) must read exactly what pyHanko's own parser
reads: same value, same stream position, same errors, whatever the bytes; and a tampered
signature value must still be caught."""

from __future__ import annotations

import io
import random

import pytest

from core.pdf import pdfparse
from core.pdf.verify import verify_pdf
from tests.core.pdf.conftest import Kit


def _original() -> object:
    from pyhanko.pdf_utils import generic

    pdfparse.install()
    current = generic.read_hex_string_from_stream
    return getattr(current, "__wrapped__", current)


def _outcome(reader: object, data: bytes, start: int) -> tuple[object, ...]:
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        value = reader(stream)  # type: ignore[operator]
    except Exception as exc:  # the error type is part of the contract
        return ("error", type(exc), stream.tell())
    return ("value", type(value), bytes(value.original_bytes), stream.tell())


CASES = [
    b"<48656C6C6F>", b"<4>", b"<48 65\n6c\r6C\t6f\x0c00\x00>", b"<>", b"< >", b"<ABC",
    b"<", b"<12%comment > still comment\n34>", b"<12 zz>", b"<12>>", b"<12<34>",
    b"<FEFF00480069>", b"<feff4f60597d>", b"<EFBBBF41>", b"<0000000000000000000000>",
    b"<3082>trailing", b"<12\x8034>", b"<12/34>", b"<12]34>", b"<12 % c\r\n 34 >",
]


@pytest.mark.parametrize("data", CASES)
def test_fast_path_reads_like_pyhanko(data: bytes) -> None:
    from pyhanko.pdf_utils import generic

    original = _original()
    for prefix in (b"", b"xx "):
        blob = prefix + data
        assert _outcome(generic.read_hex_string_from_stream, blob, len(prefix)) == \
            _outcome(original, blob, len(prefix))


def test_fast_path_matches_pyhanko_on_random_bytes() -> None:
    from pyhanko.pdf_utils import generic

    original = _original()
    rng = random.Random(20261127)
    alphabet = b"0123456789abcdefABCDEF \n\r\t\f\x00%<>()/[]gGzZ\x80\xff"
    for _ in range(3000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        if rng.random() < 0.5:
            body = bytes(rng.choice(b"0123456789abcdef \n") for _ in range(rng.randrange(60)))
        blob = b"<" + body + (b">" if rng.random() < 0.8 else b"") + b" /Next 1"
        assert _outcome(generic.read_hex_string_from_stream, blob, 0) == \
            _outcome(original, blob, 0), blob


def test_streams_not_in_memory_take_pyhanko_path() -> None:
    class Plain(io.RawIOBase):  # no getvalue(): the fast path must step aside
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:  # type: ignore[override]
            chunk = self._inner.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

        def seek(self, offset: int, whence: int = 0) -> int:
            return self._inner.seek(offset, whence)

        def tell(self) -> int:
            return self._inner.tell()

    from pyhanko.pdf_utils import generic

    pdfparse.install()
    assert bytes(generic.read_hex_string_from_stream(
        io.BufferedReader(Plain(b"<4869>"))).original_bytes) == b"Hi"


def test_installed_once_and_a_flipped_signature_digit_still_fails(kit: Kit) -> None:
    from pyhanko.pdf_utils import generic

    assert pdfparse.install() and pdfparse.install()
    wrapped = generic.read_hex_string_from_stream
    assert wrapped.__wrapped__ is not None  # type: ignore[attr-defined]
    assert not hasattr(wrapped.__wrapped__, "__wrapped__")  # type: ignore[attr-defined]
    from asn1crypto import cms

    data = bytearray(kit.signed)
    start = data.rfind(b"/Contents <") + len(b"/Contents <")
    blob = bytes.fromhex(data[start:data.index(b">", start)].decode())
    value = cms.ContentInfo.load(blob.rstrip(b"\0"))["content"]["signer_infos"][0]["signature"]
    position = bytes(data).lower().index(value.native.hex().encode(), start) + 10  # in it
    data[position] = ord("0") if data[position] != ord("0") else ord("1")
    report = verify_pdf(bytes(data), [kit.ca.certificate])
    assert not report.ok
    assert any("does not verify" in p or "could not be checked" in p for p in report.problems)
