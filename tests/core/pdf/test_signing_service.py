"""SigningService over a real (encrypted) vault: the CA is made once and audited, each user gets
one certificate, the organisation's PKCS#12 takes over company signatures and its root is
trusted, and keys survive closing the vault."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import pytest
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from core.audit import AuditFilter
from core.auth import Authenticator
from core.errors import InvalidInput, PermissionDenied
from core.pdf import pki, signing
from core.pdf.verify import verify_pdf
from core.roles import Role
from core.session import Session
from tests.conftest import ADMIN, USERS
from tests.core.pdf.conftest import COMPANY, CUSTOMER, HEAD_1, Kit

Login = Callable[[Role], Session]


def _actions(admin: Session, prefix: str = "signing.") -> list[str]:
    return [e.action for e in admin.audit.page(admin.user, AuditFilter(action=prefix))]


def test_ca_is_created_once_on_first_use_and_audited(admin_session: Session) -> None:
    s = admin_session
    assert s.signing.ca_certificate() is None
    assert s.signing.trust_roots() == []
    ca = s.signing._ensure_ca(s.user)
    assert s.signing._ensure_ca(s.user) is ca
    assert s.signing.ca_certificate() == ca.certificate
    assert s.signing.trust_roots() == [ca.certificate]
    assert _actions(s) == ["signing.ca_created"]
    assert s.audit.verify(s.user).ok


def test_keys_survive_closing_and_reopening_the_vault(auth: Authenticator, vault_path) -> None:
    first = auth.login(vault_path, *ADMIN)
    ca = first.signing._ensure_ca(first.user).certificate
    mine = first.signing._signer_for(first.user)
    first.close()
    again = auth.login(vault_path, *ADMIN)
    try:
        assert again.signing.ca_certificate() == ca
        reloaded = again.signing._signer_for(again.user)
        assert reloaded.certificate == mine.certificate
        assert reloaded.key.private_numbers() == mine.key.private_numbers()  # type: ignore
        assert _actions(again).count("signing.certificate_issued") == 1
    finally:
        again.close()


def test_each_user_gets_their_own_certificate_from_the_vault_ca(login: Login) -> None:
    rep = login(Role.SALES_REP)
    mine = rep.signing._signer_for(rep.user)
    assert rep.signing._signer_for(rep.user) is mine  # kept loaded
    assert pki.common_name(mine.certificate) == USERS[Role.SALES_REP][0]
    ca = rep.signing.ca_certificate()
    assert ca is not None and mine.chain == (ca,)
    finance = login(Role.FINANCE)  # may not sign contracts: gets no certificate
    with pytest.raises(PermissionDenied):
        finance.signing._signer_for(finance.user)
    manager = login(Role.SALES_MANAGER)
    theirs = manager.signing._signer_for(manager.user)
    assert theirs.certificate != mine.certificate
    assert theirs.certificate.public_key() != mine.certificate.public_key()
    admin = login(Role.ADMINISTRATOR)
    assert _actions(admin) == ["signing.certificate_issued", "signing.certificate_issued",
                               "signing.ca_created"]
    assert _actions(admin, "permission.denied")  # finance's attempt is on record
    issued = admin.audit.page(admin.user, AuditFilter(action="signing.certificate_issued"))
    assert "private" not in str(issued[0].details).lower()
    assert f"CN={USERS[Role.SALES_MANAGER][0]}" in issued[0].details["subject"]


def test_a_signed_document_verifies_against_the_vault_roots(login: Login, kit: Kit) -> None:
    rep = login(Role.SALES_REP)
    signer = rep.signing._company_signer(rep.user)
    data = signing.certify(kit.plain, signer, COMPANY, "Issued", HEAD_1, later=[CUSTOMER])
    assert verify_pdf(data, rep.signing.trust_roots(), unsigned_fields_allowed=True).ok
    # Another vault's CA does not vouch for it.
    assert not verify_pdf(data, [kit.ca.certificate]).ok


def test_export_ca_pem_is_open_to_every_role_and_audited(login: Login) -> None:
    auditor = login(Role.AUDITOR)
    pem = auditor.signing.export_ca_pem(auditor.user)
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE" not in pem
    assert pki.load_pem_certificates(pem) == [auditor.signing.ca_certificate()]
    admin = login(Role.ADMINISTRATOR)
    exported = admin.audit.page(admin.user, AuditFilter(action="signing.ca_exported"))
    assert len(exported) == 1 and exported[0].actor_name == USERS[Role.AUDITOR][0]


def _p12(identity: pki.Identity, chain: list, password: bytes = b"org pass") -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"org", identity.key, identity.certificate, chain,  # type: ignore[arg-type]
        BestAvailableEncryption(password))


def test_organisation_certificate_takes_over_company_signatures(login: Login, kit: Kit) -> None:
    admin = login(Role.ADMINISTRATOR)
    vault_ca = admin.signing._ensure_ca(admin.user).certificate
    cert = admin.signing.use_organisation_certificate(
        admin.user, _p12(kit.outsider, [kit.outsider_ca.certificate]), "org pass")
    assert cert == kit.outsider.certificate
    assert admin.signing.organisation_certificate() == cert
    assert admin.signing.trust_roots() == [vault_ca, kit.outsider_ca.certificate]
    rep = login(Role.SALES_REP)
    company = rep.signing._company_signer(rep.user)
    assert company.certificate == kit.outsider.certificate
    data = signing.certify(kit.plain, company, COMPANY, "Issued", HEAD_1)
    assert verify_pdf(data, rep.signing.trust_roots()).ok
    # The person's own certificate is still from the vault CA.
    assert rep.signing._signer_for(rep.user).chain == (vault_ca,)
    # Replacing it keeps the old root trusted for what it signed.
    admin.signing.use_organisation_certificate(
        admin.user, _p12(kit.company, [kit.ca.certificate]), "org pass")
    assert kit.outsider_ca.certificate in admin.signing.trust_roots()
    assert verify_pdf(data, admin.signing.trust_roots()).ok
    assert _actions(admin, "signing.organisation") == ["signing.organisation_certificate"] * 2


def test_organisation_certificate_needs_signing_manage(login: Login, kit: Kit) -> None:
    manager = login(Role.SALES_MANAGER)
    with pytest.raises(PermissionDenied):
        manager.signing.use_organisation_certificate(
            manager.user, _p12(kit.outsider, [kit.outsider_ca.certificate]), "org pass")
    assert manager.signing.organisation_certificate() is None


def test_unusable_organisation_certificates_are_refused(login: Login, kit: Kit) -> None:
    admin = login(Role.ADMINISTRATOR)
    with pytest.raises(InvalidInput, match="wrong password"):
        admin.signing.use_organisation_certificate(
            admin.user, _p12(kit.outsider, [kit.outsider_ca.certificate]), "nope")
    with pytest.raises(InvalidInput, match="nonRepudiation"):
        admin.signing.use_organisation_certificate(
            admin.user, _p12(kit.no_nr, [kit.ca.certificate]), "org pass")
    with pytest.raises(InvalidInput):
        admin.signing.use_organisation_certificate(admin.user, b"garbage", "x")
    assert admin.signing.organisation_certificate() is None
    assert not admin.audit.page(admin.user, AuditFilter(action="signing.organisation"))


def test_disabled_user_gets_no_signer(admin_session: Session) -> None:
    s = admin_session
    bob = s.accounts.add_user(s.user, "Bob Leaver", Role.SALES_REP, "bob pass phrase 1234",
                              must_change=False)
    s.accounts.disable_user(s.user, bob.id)
    with pytest.raises(PermissionDenied):
        s.signing._signer_for(bob)
    assert not s.audit.page(s.user, AuditFilter(action="signing.certificate_issued"))


def test_expiring_certificate_is_replaced_at_next_use(admin_session: Session) -> None:
    s = admin_session
    first = s.signing._signer_for(s.user)
    later = first.certificate.not_valid_after_utc.replace(tzinfo=UTC)
    s.signing._clock = lambda: later  # type: ignore[method-assign]
    s.signing._users.clear()
    second = s.signing._signer_for(s.user)
    assert second.certificate != first.certificate
    issued = s.audit.page(s.user, AuditFilter(action="signing.certificate_issued"))
    assert [e.details["replaced"] for e in issued] == [True, False]
