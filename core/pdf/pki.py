"""The vault's certificate authority and its users' signing certificates (design.md §5), with the
`cryptography` library only: nothing here imports pyHanko, so the service can create, store and
load keys without paying for the PDF signer.

An `Identity` is a loaded signer: the private key object, its certificate and the issuers above
it. Loading a key is the expensive part of a signature in pyHanko's own signer (it parses the key
on every call); the service keeps Identities, and core/pdf/signing.py keeps the pyHanko signer
built around each one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from core.errors import InvalidInput

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

CA_YEARS = 10
USER_YEARS = 3
# Clock skew between the machine that signs and the one that verifies must not make a fresh
# certificate "not yet valid".
_BACKDATE = timedelta(hours=1)


@dataclass(frozen=True, eq=False)
class Identity:
    """A private key with its certificate and the chain above it (issuer first, root last;
    empty for a self-signed CA). eq=False: compared and cached by object, never by value."""

    key: PrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def common_name(self) -> str:
        return common_name(self.certificate)

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1] if self.chain else self.certificate


def common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _name(common: str, organisation: str) -> x509.Name:
    common = common.strip()[:64] or "Strongroom user"  # X.520 ub-common-name is 64
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if organisation.strip():
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation.strip()[:64]))
    return x509.Name(parts)


def _serial() -> int:
    # 159 random bits: positive, under the 20-octet limit, unguessable (CA/B forum asks >= 64).
    return secrets.randbits(159) | 1


def _usage(*, sign: bool = False, commit: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=commit,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False)


def create_ca(organisation: str, now: datetime, years: int = CA_YEARS) -> Identity:
    """A self-signed ECDSA P-256 root that may issue end-entity certificates only
    (pathlen 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{organisation.strip() or 'Strongroom'} Vault CA", organisation)
    public = key.public_key()
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(public)
            .serial_number(_serial())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + timedelta(days=365 * years + years // 4))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256()))
    return Identity(key, cert)


def issue_certificate(ca: Identity, display_name: str, organisation: str, now: datetime,
                      years: int = USER_YEARS, *, non_repudiation: bool = True) -> Identity:
    """A user's signing certificate from the vault CA: digitalSignature + nonRepudiation
    (non_repudiation=False exists for tests of a certificate not meant for documents)."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    not_after = min(now + timedelta(days=365 * years + years // 4),
                    ca.certificate.not_valid_after_utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(display_name, organisation))
            .issuer_name(ca.certificate.subject).public_key(public)
            .serial_number(_serial())
            .not_valid_before(now - _BACKDATE).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign=True, commit=non_repudiation), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca.key.public_key()), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Identity(key, cert, (ca.certificate, *ca.chain))


# -- organisation certificates (PKCS#12 from a public CA) --------------------------------------
def load_pkcs12(data: bytes, password: str | None) -> Identity:
    """The key, certificate and chain of an organisation's .p12/.pfx; the chain is put in
    issuer order (root last) and must reach a self-signed root, which becomes a trust root."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode("utf-8") if password else None)
    except ValueError as exc:
        raise InvalidInput("The PKCS#12 file could not be opened: wrong password or not a "
                           "PKCS#12 (.p12/.pfx) file.") from exc
    if key is None or cert is None:
        raise InvalidInput("The PKCS#12 file must hold a private key and its certificate.")
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInput("Only RSA and ECDSA keys can sign PDF documents here.")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise InvalidInput("The PKCS#12 file's key does not belong to its certificate.")
    chain = order_chain(cert, extra or [])
    if not chain or chain[-1].subject != chain[-1].issuer:
        raise InvalidInput("The PKCS#12 file must include the issuing CA certificates up to "
                           "the root, so that verifiers can be told which root to trust.")
    return Identity(key, cert, tuple(chain))


def order_chain(leaf: x509.Certificate,
                pool: list[x509.Certificate]) -> list[x509.Certificate]:
    """The issuers of `leaf` found in `pool`, nearest first, each checked to have signed the one
    below it (a bundle may hold stray certificates)."""
    chain: list[x509.Certificate] = []
    current = leaf
    remaining = [c for c in pool if c != leaf]
    while current.subject != current.issuer:
        parent = next((c for c in remaining if c.subject == current.issuer
                       and _signed_by(current, c)), None)
        if parent is None:
            break
        chain.append(parent)
        remaining.remove(parent)
        current = parent
    return chain


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


# -- serialisation ------------------------------------------------------------------------------
def key_der(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 DER: it is stored inside the SQLCipher database (see
    storage/migrations/0008_signing.sql for why no second layer)."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_key(der: bytes) -> PrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError("stored signing key is neither RSA nor ECDSA")
    return key


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_cert(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM text (one or more) or a single DER certificate."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise InvalidInput("Not a certificate file (PEM or DER expected).") from exc


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as colon-separated hex, the form Adobe Reader and certutil show."""
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
