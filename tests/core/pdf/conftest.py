"""One CA, its signers and a signed contract per test session: key generation and signing
are cheap, but not free, and most tests only need to read or tamper with a copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.pdf import pki, signing
from tests.core.pdf.helpers import make_nss_db, make_pdf, missing_tools, png_scribble

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
HEAD_1 = "1f" * 32
HEAD_2 = "a7" * 32
COMPANY = signing.SignatureBox("company", 0, (60, 60, 270, 130))
CUSTOMER = signing.SignatureBox("customer", -1, (320, 60, 540, 160))


@dataclass(frozen=True)
class Kit:
    ca: pki.Identity
    company: pki.Identity  # a user's certificate from the vault CA
    customer: pki.Identity
    outsider_ca: pki.Identity
    outsider: pki.Identity  # same names, a CA nobody trusts
    no_nr: pki.Identity  # from the vault CA, but without nonRepudiation
    plain: bytes  # the unsigned 3-page document
    certified: bytes
    signed: bytes  # certified + countersigned
    handwriting: bytes


@pytest.fixture(scope="session")
def kit() -> Kit:
    return build_kit()


def build_kit() -> Kit:
    ca = pki.create_ca("ACME 贸易有限公司", NOW)
    company = pki.issue_certificate(ca, "Alice Admin", "ACME 贸易有限公司", NOW)
    customer = pki.issue_certificate(ca, "王芳", "ACME 贸易有限公司", NOW)
    outsider_ca = pki.create_ca("ACME 贸易有限公司", NOW)
    outsider = pki.issue_certificate(outsider_ca, "Alice Admin", "ACME 贸易有限公司", NOW)
    no_nr = pki.issue_certificate(ca, "Alice Admin", "ACME 贸易有限公司", NOW,
                                  non_repudiation=False)
    plain = make_pdf(3)
    hand = png_scribble()
    certified = signing.certify(plain, company, COMPANY, "Contract HT-001 issued", HEAD_1,
                                later=[CUSTOMER], at=NOW)
    signed = signing.countersign(certified, customer, CUSTOMER, hand, "王芳", NOW, HEAD_2)
    return Kit(ca, company, customer, outsider_ca, outsider, no_nr, plain, certified, signed,
               hand)


@pytest.fixture(scope="session")
def nssdb(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting the vault CA, for poppler's pdfsig."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (scripts/test.sh installs "
                    "poppler-utils, qpdf and libnss3-tools where it can)")
    return make_nss_db(tmp_path_factory.mktemp("nss"), kit.ca)
