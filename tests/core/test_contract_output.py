"""A contract from approval to a signed, archived PDF that our verifier (and poppler's pdfsig,
see tests/core/pdf) accepts, with the customer's handwriting; what must stop it does."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter
from core.contracts.output import COMPANY_FIELD, CUSTOMER_FIELD, to_pdf_document
from core.contracts.workflow import ContractState, IllegalTransition
from core.errors import InvalidInput, PermissionDenied
from tests.core.contract_support import drive, make_world, small_terms


def handwriting() -> bytes:
    """A small PNG scribble, as the signature pad would give (made with reportlab's
    renderPM-free path: a PIL-free PNG written by hand)."""
    import struct
    import zlib

    width, height = 120, 40
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0
        for x in range(width):
            ink = abs((y - 20) - int(12 * __import__("math").sin(x / 8))) < 2
            row += bytes([16, 32, 96, 255]) if ink else bytes([0, 0, 0, 0])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6,
                                                            0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


@pytest.fixture
def world(login: Any) -> Any:
    return make_world(login)


def approved(world: Any) -> int:
    return drive(world, ContractState.APPROVED)


def test_an_approved_contract_is_signed_archived_and_verifies(world: Any) -> None:
    contract_id = approved(world)
    signed = world.rep.contract_pdfs.sign(world.rep.user, contract_id, "  李  雷 ",
                                          handwriting())
    contract = world.rep.contracts.get(world.rep.user, contract_id)
    assert contract.state == ContractState.SIGNED
    stored = world.rep.contracts.signed_pdf(world.rep.user, contract_id)
    assert stored == signed.pdf
    report = world.admin.contract_pdfs.verify(world.admin.user, stored)
    assert report.ok, report.summary()
    assert [s.field for s in report.signatures] == [COMPANY_FIELD, CUSTOMER_FIELD]
    assert report.signatures[0].certification
    head = world.admin.audit.page(world.admin.user, AuditFilter(action="contract.signed"))
    assert head  # the signing is in the trail
    assert all(s.audit_head for s in report.signatures)


def test_text_of_the_signed_pdf_holds_the_chinese_content(world: Any, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; ./scripts/test.sh installs it")
    contract_id = approved(world)
    signed = world.rep.contract_pdfs.sign(world.rep.user, contract_id, "李雷", None)
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    compact = "".join(text.split())
    for needle in ("上海明珠贸易有限公司", "服务器维护服务", "卖方负责送货至买方仓库",
                   signed.number):
        assert needle in compact, needle


def test_nothing_unapproved_is_signed_nor_signed_twice(world: Any) -> None:
    for state in (ContractState.DRAFT, ContractState.IN_REVIEW, ContractState.REJECTED):
        cid = drive(world, state)
        with pytest.raises(IllegalTransition):
            world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", handwriting())
        assert world.rep.contracts.archived(world.rep.user, cid) is None
        assert world.rep.contracts.get(world.rep.user, cid).state == state
    cid = approved(world)
    with pytest.raises(PermissionDenied):
        world.auditor.contract_pdfs.sign(world.auditor.user, cid, "李雷", None)
    world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", None)
    with pytest.raises(IllegalTransition):  # once signed, never again
        world.rep.contract_pdfs.sign(world.rep.user, cid, "李雷", None)


def test_a_name_is_required_and_a_changed_byte_fails_verification(world: Any) -> None:
    contract_id = approved(world)
    with pytest.raises(InvalidInput, match="name"):
        world.rep.contract_pdfs.sign(world.rep.user, contract_id, "   ", handwriting())
    signed = world.rep.contract_pdfs.sign(world.rep.user, contract_id, "Li Lei", handwriting())
    data = bytearray(signed.pdf)
    at = data.find(b"Li Lei")
    spot = at if at > 0 else len(data) // 3
    data[spot] ^= 0x01
    assert not world.rep.contract_pdfs.verify(world.rep.user, bytes(data)).ok


def test_rendering_is_audited_and_reproducible(world: Any) -> None:
    made = world.rep.contracts.draft(world.rep.user, world.customer_id, small_terms())
    doc = world.rep.contracts.document(world.rep.user, made.id)
    from core.pdf.render import render

    first = render(to_pdf_document(doc, "ab" * 32)).pdf
    assert first == render(to_pdf_document(doc, "ab" * 32)).pdf
    out = world.rep.contract_pdfs.render(world.rep.user, made.id)
    assert out.pdf.startswith(b"%PDF") and out.pages >= 1
    (entry,) = world.admin.audit.page(world.admin.user, AuditFilter(action="contract.rendered"))
    assert entry.object_id == str(made.id)
    assert io.BytesIO(out.pdf).read(4) == b"%PDF"


def test_independent_validators_accept_the_signed_contract_and_reject_a_changed_one(
        world: Any, tmp_path: Path) -> None:
    from core.pdf.pki import Identity
    from tests.core.pdf.helpers import append_page, make_nss_db, missing_tools, pdfsig, qpdf_clean

    missing = missing_tools()
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed; ./scripts/test.sh installs them "
                    "with apt-get where it can")
    contract_id = approved(world)
    signed = world.rep.contract_pdfs.sign(world.rep.user, contract_id, "李雷", handwriting())
    ca = world.admin.signing.ca_certificate()
    assert ca is not None
    nss = make_nss_db(tmp_path / "nss", Identity(None, ca, ()))  # type: ignore[arg-type]
    good = pdfsig(signed.pdf, nss, tmp_path)
    assert len(good.blocks) == 2 and good.holds, good.output
    clean, text = qpdf_clean(signed.pdf, tmp_path)
    assert clean, text
    tampered = append_page(signed.pdf)
    assert not world.rep.contract_pdfs.verify(world.rep.user, tampered).ok
    assert not pdfsig(tampered, nss, tmp_path).holds
    flipped = bytearray(signed.pdf)
    flipped[len(flipped) // 4] ^= 0x20
    assert not world.rep.contract_pdfs.verify(world.rep.user, bytes(flipped)).ok
    assert not pdfsig(bytes(flipped), nss, tmp_path).holds


def test_a_signed_pdf_of_one_contract_cannot_become_anothers_record(world: Any) -> None:
    first, second = approved(world), approved(world)
    signed = world.rep.contract_pdfs.sign(world.rep.user, first, "李雷", None)
    fingerprint = world.rep.contracts.document(world.rep.user, second).fingerprint
    with pytest.raises(InvalidInput, match="not contract"):
        world.rep.contracts.mark_signed(world.rep.user, second, signed.pdf, fingerprint)
    assert world.rep.contracts.get(world.rep.user, second).state == ContractState.APPROVED
    assert world.rep.contracts.archived(world.rep.user, second) is None
