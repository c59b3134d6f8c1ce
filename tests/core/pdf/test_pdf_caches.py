"""What core/pdf keeps between documents to sign and verify faster (the pyHanko signer with its
signing-certificate attribute and measured CMS size, per loaded key; parsed trust roots, by
their exact encoding) must never let one key, certificate or vault stand in for another."""

from __future__ import annotations

import asyncio
import hashlib
import re

from asn1crypto import cms, tsp
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from core.pdf import pki, signing, verify
from core.pdf.verify import verify_pdf
from tests.core.pdf.conftest import COMPANY, CUSTOMER, HEAD_1, HEAD_2, NOW, Kit


def _signer_info(data: bytes, field_index: int = 0) -> cms.SignerInfo:
    start = [m.end() for m in re.finditer(rb"/Contents <", data)][field_index]
    blob = bytes.fromhex(data[start:data.index(b">", start)].decode())
    return cms.ContentInfo.load(blob.rstrip(b"\0"))["content"]["signer_infos"][0]


def test_each_loaded_key_gets_its_own_signer_even_with_the_same_names(kit: Kit) -> None:
    ours, theirs = signing._pyhanko_signer(kit.company), signing._pyhanko_signer(kit.outsider)
    assert ours is not theirs
    assert kit.company.certificate.subject == kit.outsider.certificate.subject
    assert ours.signing_cert.dump() == pki.cert_der(kit.company.certificate)
    assert theirs.signing_cert.dump() == pki.cert_der(kit.outsider.certificate)
    # A reloaded copy of the same key is another Identity: it gets a signer of its own.
    again = pki.Identity(pki.load_key(pki.key_der(kit.company.key)), kit.company.certificate,
                         kit.company.chain)
    assert signing._pyhanko_signer(again) is not ours


def test_cached_signing_certificate_attribute_names_the_signers_own_certificate(
        kit: Kit) -> None:
    for identity in (kit.company, kit.outsider):
        signer = signing._pyhanko_signer(identity)
        digest = hashlib.sha256(b"contract").digest()
        content = asyncio.run(signer.async_sign(digest, "sha256", use_pades=True))
        attrs = {a["type"].native: a["values"][0]
                 for a in content["content"]["signer_infos"][0]["signed_attrs"]}
        ess = attrs["signing_certificate_v2"]
        assert isinstance(ess, tsp.SigningCertificateV2)
        cert_id = ess["certs"][0]
        assert cert_id["cert_hash"].native == hashlib.sha256(
            pki.cert_der(identity.certificate)).digest()
        assert cert_id["issuer_serial"]["serial_number"].native == \
            identity.certificate.serial_number
        assert attrs["message_digest"].native == digest


def test_outsider_signature_with_cached_objects_still_fails_against_the_vault_ca(
        kit: Kit) -> None:
    forged = signing.certify(kit.plain, kit.outsider, COMPANY, "Issued", HEAD_1,
                             later=[CUSTOMER], at=NOW)
    forged = signing.countersign(forged, kit.customer, CUSTOMER, None, "王芳", NOW, HEAD_2)
    assert verify_pdf(kit.signed, [kit.ca.certificate]).ok  # the vault CA's root is cached
    report = verify_pdf(forged, [kit.ca.certificate])
    assert not report.ok and not report.signatures[0].trusted
    # and the other way round: the outsider's CA (same names) does not vouch for ours
    assert verify_pdf(forged, [kit.outsider_ca.certificate]).signatures[0].trusted
    report = verify_pdf(kit.signed, [kit.outsider_ca.certificate])
    assert not report.ok and not any(s.trusted for s in report.signatures)


def test_trust_roots_are_cached_by_their_exact_encoding_and_bounded(kit: Kit) -> None:
    ours, theirs = verify._asn1_root(kit.ca.certificate), \
        verify._asn1_root(kit.outsider_ca.certificate)
    assert ours is not theirs
    assert ours.dump() == pki.cert_der(kit.ca.certificate)
    assert theirs.dump() == pki.cert_der(kit.outsider_ca.certificate)
    assert verify._asn1_root(kit.ca.certificate) is ours
    for n in range(verify._ROOTS_KEPT + 5):
        verify._asn1_root(pki.create_ca(f"Filler {n}", NOW).certificate)
    assert len(verify._roots) <= verify._ROOTS_KEPT
    assert all(isinstance(key, bytes) for key in verify._roots)  # certificates, no keys
    again = verify._asn1_root(kit.ca.certificate)
    assert again.dump() == pki.cert_der(kit.ca.certificate)


def test_reserved_room_fits_the_longest_signature_of_each_key_type() -> None:
    keys = [ec.generate_private_key(curve) for curve in (ec.SECP256R1(), ec.SECP384R1(),
                                                         ec.SECP521R1())]
    keys.append(rsa.generate_private_key(65537, 2048))
    for key in keys:
        longest = signing._max_signature_size(key)
        for n in range(40):
            if isinstance(key, ec.EllipticCurvePrivateKey):
                value = key.sign(b"%d" % n, ec.ECDSA(signing_hash()))
            else:
                from cryptography.hazmat.primitives.asymmetric import padding

                value = key.sign(b"%d" % n, padding.PKCS1v15(), signing_hash())
            assert len(value) <= longest


def signing_hash() -> object:
    from cryptography.hazmat.primitives import hashes

    return hashes.SHA256()


def test_signature_room_is_tight_but_holds_the_blob(kit: Kit) -> None:
    signer = signing._pyhanko_signer(kit.customer)
    info = _signer_info(kit.signed, field_index=1)
    assert info["sid"].chosen["serial_number"].native == kit.customer.certificate.serial_number
    start = kit.signed.rfind(b"/Contents <") + len(b"/Contents <")
    room = (kit.signed.index(b">", start) - start) // 2
    assert room == signer.strongroom_cms_size + signing._CMS_MARGIN
    used = len(bytes.fromhex(kit.signed[start:start + 2 * room].decode()).rstrip(b"\0"))
    assert used <= signer.strongroom_cms_size <= used + 8
