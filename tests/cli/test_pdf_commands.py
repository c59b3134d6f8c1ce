"""`pdf verify` and `vault export-ca`: exit status 0 only when every signature holds, trust from
the vault or a --ca file, and the exported CA usable by poppler's pdfsig as docs/SIGNATURES.md
says."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.auth import Authenticator
from core.contracts.output import COMPANY_FIELD, CUSTOMER_FIELD
from core.pdf import signing
from core.roles import Role
from core.signing_service import ContractSigners
from tests.cli.conftest import Runner, open_admin
from tests.conftest import USERS
from tests.core.pdf.conftest import COMPANY, CUSTOMER, HEAD_1, HEAD_2, Kit, build_kit
from tests.core.pdf.helpers import append_page, png_scribble


@pytest.fixture(scope="module")
def kit() -> Kit:
    return build_kit()


# The field names of a Strongroom contract (core/contracts/output.py).
CONTRACT_COMPANY = signing.SignatureBox(COMPANY_FIELD, 0, COMPANY.rect)
CONTRACT_CUSTOMER = signing.SignatureBox(CUSTOMER_FIELD, -1, CUSTOMER.rect)


def _signed_in_vault(cli_auth: Authenticator, vault: Path, kit: Kit, folder: Path) -> Path:
    """A contract certified by the administrator and countersigned under the vault's
    customer-signature seal, with this vault's keys (two different certificates, as in real
    use: see docs/SIGNATURES.md on pdfsig and a certificate used twice in one file)."""
    admin = open_admin(cli_auth, vault)
    try:
        signers = ContractSigners(admin.signing)
        data = signing.certify(kit.plain, signers.company(admin.user), CONTRACT_COMPANY,
                               "Contract HT-9", HEAD_1, later=[CONTRACT_CUSTOMER])
        data = signing.countersign(data, signers.seal(admin.user), CONTRACT_CUSTOMER,
                                   png_scribble(), "王芳", datetime.now(UTC), HEAD_2)
    finally:
        admin.close()
    path = folder / "signed.pdf"
    path.write_bytes(data)
    return path


def test_verify_with_the_vault_and_with_an_exported_ca(
        as_admin: Runner, cli: Runner, cli_auth: Authenticator, vault_path: Path,
        tmp_path: Path, kit: Kit) -> None:
    pdf = _signed_in_vault(cli_auth, vault_path, kit, tmp_path)
    ok = as_admin("pdf", "verify", str(pdf))
    assert ok.code == 0, ok.out + ok.err
    assert ok.lines[0] == "Signature 1: field CompanySignature (certification)"
    assert f"  audit head: {HEAD_2}" in ok.lines and ok.lines[-1] == "All signatures hold."

    name, password = USERS[Role.AUDITOR]
    ca = tmp_path / "ca.pem"
    exported = cli("vault", "export-ca", "--out", str(ca), "--vault", str(vault_path),
                   "--user", name, stdin=[password])
    assert exported.code == 0, exported.err
    assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert len(exported.lines) == 1 and exported.lines[0].count(":") == 31  # fingerprint

    der = tmp_path / "ca.cer"
    assert cli("vault", "export-ca", "--out", str(der), "--vault", str(vault_path),
               "--user", name, stdin=[password]).code == 0
    assert der.read_bytes()[:1] == b"\x30"  # DER SEQUENCE, for Adobe Reader's import

    offline = cli("pdf", "verify", str(pdf), "--ca", str(ca), "--ca", str(der))
    assert offline.code == 0, offline.out + offline.err
    assert offline.out == ok.out

    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(append_page(pdf.read_bytes()))
    bad = cli("pdf", "verify", str(tampered), "--ca", str(ca))
    assert bad.code == 1 and bad.lines[-1] == "The document does NOT verify."


def test_without_any_trusted_certificate_trust_is_unknown(cli: Runner, tmp_path: Path,
                                                           kit: Kit) -> None:
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(kit.signed)
    result = cli("pdf", "verify", str(pdf))
    assert result.code == 1
    assert "trust is unknown" in result.err and "trust is unknown" in result.out
    ca = tmp_path / "ca.pem"
    from core.pdf.pki import cert_pem

    ca.write_bytes(cert_pem(kit.outsider_ca.certificate))
    assert cli("pdf", "verify", str(pdf), "--ca", str(ca)).code == 1
    ca.write_bytes(cert_pem(kit.ca.certificate))
    assert cli("pdf", "verify", str(pdf), "--ca", str(ca)).code == 0


@pytest.mark.parametrize("content", [b"", b"not a pdf", b"%PDF-1.4\n%%EOF\n"])
def test_bad_files_fail_cleanly(cli: Runner, tmp_path: Path, kit: Kit, content: bytes) -> None:
    pdf = tmp_path / "odd.pdf"
    pdf.write_bytes(content)
    result = cli("pdf", "verify", str(pdf))
    assert result.code == 1 and "Traceback" not in result.err
    assert result.lines[-1] == "The document does NOT verify."
    missing = cli("pdf", "verify", str(tmp_path / "missing.pdf"))
    assert missing.code == 1 and "Traceback" not in missing.err
    ca = tmp_path / "ca.pem"
    ca.write_text("garbage")
    assert cli("pdf", "verify", str(pdf), "--ca", str(ca)).code == 1


def test_vault_without_user_is_a_usage_error(cli: Runner, vault_path: Path,
                                             tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    assert cli("pdf", "verify", str(pdf), "--vault", str(vault_path)).code == 2


def test_documented_pdfsig_commands_accept_the_exported_ca(
        as_admin: Runner, cli_auth: Authenticator, vault_path: Path, tmp_path: Path,
        kit: Kit) -> None:
    """The exact commands of docs/SIGNATURES.md."""
    if any(shutil.which(t) is None for t in ("pdfsig", "certutil")):
        pytest.skip("pdfsig/certutil not installed")
    pdf = _signed_in_vault(cli_auth, vault_path, kit, tmp_path)
    assert pdf.name == "signed.pdf"
    assert as_admin("vault", "export-ca", "--out", str(tmp_path / "ca.pem")).code == 0
    script = ("mkdir nssdb && certutil -N -d sql:nssdb --empty-password && "
              "certutil -A -d sql:nssdb -n strongroom-ca -t 'C,C,C' -i ca.pem && "
              "pdfsig -nssdir sql:nssdb signed.pdf")
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Signature is Valid.") == 2
    assert run.stdout.count("Certificate is Trusted.") == 2
    assert "Total document signed" in run.stdout
