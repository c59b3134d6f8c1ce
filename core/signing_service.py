"""The vault's signing keys: its certificate authority, each user's certificate from it, and an
organisation's own certificate (PKCS#12 from a public CA) that can replace the vault CA for the
company's signatures.

Keys live in the encrypted database (storage/migrations/0008_signing.sql). Loaded keys are kept
for the session (an `Identity` per key, and core/pdf/signing.py keeps the pyHanko signer around
each), so a signature costs the ECDSA operation, not a key parse.

Who may sign what is the contracts service's business (CONTRACT_SIGN); this service hands a
signer to any active user for their own certificate. Replacing the company's certificate needs
SIGNING_MANAGE. Exporting the CA certificate needs no permission: it is public by nature (it
is what a customer or a court installs to check our signatures) and holds no secret; the export
is still audited, like every export.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, cast

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.errors import InvalidInput, PermissionDenied
from core.ports import Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

if TYPE_CHECKING:  # cryptography.x509 costs ~60 ms to import: loaded on first use, not at start
    from cryptography import x509

    from core.pdf import pki

# The contracts service keeps the company's profile under this settings key
# (core/contracts/library.py); its name becomes the O= of new certificates.
COMPANY_KEY = "company_profile"
# A user certificate this close to expiry is replaced at its next use.
RENEW_BEFORE = timedelta(days=30)


class KeyKind(StrEnum):
    VAULT_CA = "vault_ca"
    USER = "user"
    ORGANISATION = "organisation"
    # The vault's seal for signatures of people without a certificate (a customer's
    # handwriting): a certificate of its own, because validators such as poppler's pdfsig
    # reject a file whose two signatures share one certificate.
    SEAL = "seal"


@dataclass(frozen=True)
class StoredKey:
    id: int
    kind: KeyKind
    user_id: int | None
    certificate: bytes  # DER
    chain_pem: str  # issuers above it, nearest first
    private_key: bytes  # PKCS#8 DER
    serial: str
    not_after: datetime
    created_at: datetime
    active: bool


class SigningRepository(Protocol):
    def active(self, kind: KeyKind, user_id: int | None = None) -> StoredKey | None: ...
    def all_of(self, kind: KeyKind) -> list[StoredKey]: ...
    def add(self, kind: KeyKind, user_id: int | None, certificate: bytes, chain_pem: str,
            private_key: bytes, serial: str, not_after: datetime,
            created_at: datetime) -> StoredKey: ...
    def retire(self, kind: KeyKind, user_id: int | None = None) -> int: ...


def signing_repo(repos: object) -> SigningRepository:
    return cast(SigningRepository, repos.signing)  # type: ignore[attr-defined]


def _identity(row: StoredKey) -> pki.Identity:
    from core.pdf import pki

    chain = tuple(pki.load_pem_certificates(row.chain_pem.encode())) if row.chain_pem else ()
    return pki.Identity(pki.load_key(row.private_key), pki.load_cert(row.certificate), chain)


def _store(repo: SigningRepository, kind: KeyKind, user_id: int | None, identity: pki.Identity,
           at: datetime) -> StoredKey:
    from core.pdf import pki

    chain = b"".join(pki.cert_pem(c) for c in identity.chain).decode()
    cert = identity.certificate
    return repo.add(kind, user_id, pki.cert_der(cert), chain, pki.key_der(identity.key),
                    format(cert.serial_number, "x"), cert.not_valid_after_utc, at)


def _describe(cert: x509.Certificate) -> dict[str, str]:
    from core.pdf import pki

    return {"subject": cert.subject.rfc4514_string(), "serial": format(cert.serial_number, "x"),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "sha256": pki.fingerprint(cert)}


@dataclass(frozen=True)
class PinnedCertificates:
    seals: frozenset[str]
    organisations: frozenset[str]


class SigningService:
    def __init__(self, store: Store, guard: Guard, clock: Clock,
                 bus: ChangeBus | None = None) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._lock = threading.Lock()
        self._ca: pki.Identity | None = None
        self._users: dict[int, pki.Identity] = {}
        self._organisation: pki.Identity | None = None
        self._organisation_loaded = False
        self._seal: pki.Identity | None = None

    # -- the vault CA ---------------------------------------------------------------------------
    def ca_certificate(self) -> x509.Certificate | None:
        """The vault CA's certificate, or None before the first signature created it."""
        from core.pdf import pki

        if self._ca is not None:
            return self._ca.certificate
        with self._store.reader() as repos:
            row = signing_repo(repos).active(KeyKind.VAULT_CA)
        return pki.load_cert(row.certificate) if row else None

    def _ensure_ca(self, actor: User) -> pki.Identity:
        """The vault CA, created on first use (audited as signing.ca_created)."""
        with self._lock:
            if self._ca is None:
                self._ca = self._load_or_create_ca(actor)
            return self._ca

    def _load_or_create_ca(self, actor: User) -> pki.Identity:
        from core.pdf import pki

        with self._store.reader() as repos:
            row = signing_repo(repos).active(KeyKind.VAULT_CA)
        if row is not None:
            return _identity(row)
        now = self._clock()
        with self._store.transaction() as repos:
            repo = signing_repo(repos)
            row = repo.active(KeyKind.VAULT_CA)  # another window may have just made it
            if row is not None:
                return _identity(row)
            ca = pki.create_ca(self._company_name(repos), now)
            stored = _store(repo, KeyKind.VAULT_CA, None, ca, now)
            append(repos, actor, AuditEvent("signing.ca_created", "signing_key", str(stored.id),
                                            _describe(ca.certificate)), now)
        self._publish()
        return ca

    def export_ca_pem(self, actor: User) -> bytes:
        """The CA certificate as PEM, for Adobe Reader, pdfsig or a customer's IT department.
        Any active user may: it is public. Audited as signing.ca_exported."""
        from core.pdf import pki

        self._require_active(actor)
        ca = self._ensure_ca(actor)
        with self._store.transaction() as repos:
            append(repos, actor, AuditEvent("signing.ca_exported", "signing_key", "vault_ca",
                                            _describe(ca.certificate)), self._clock())
        self._publish()
        return pki.cert_pem(ca.certificate)

    # -- users' certificates -------------------------------------------------------------------
    def _signer_for(self, actor: User) -> pki.Identity:
        """The acting user's own signing identity, issued from the vault CA on first use (and
        again when it is about to expire); audited as signing.certificate_issued. Only users
        who may sign contracts get one: a certificate from the vault CA is what makes a
        signature in the company's name verify."""
        self._guard.require(actor, Permission.CONTRACT_SIGN, "signing_key", "user")
        self._require_active(actor)
        now = self._clock()
        with self._lock:
            cached = self._users.get(actor.id)
            if cached is not None and cached.certificate.not_valid_after_utc - now > RENEW_BEFORE:
                return cached
        ca = self._ensure_ca(actor)
        with self._store.reader() as repos:
            row = signing_repo(repos).active(KeyKind.USER, actor.id)
        if row is not None and row.not_after - now > RENEW_BEFORE:
            identity = _identity(row)
        else:
            identity = self._issue(actor, ca, now)
        with self._lock:
            self._users[actor.id] = identity
        return identity

    def _issue(self, actor: User, ca: pki.Identity, now: datetime) -> pki.Identity:
        from core.pdf import pki

        with self._store.transaction() as repos:
            repo = signing_repo(repos)
            row = repo.active(KeyKind.USER, actor.id)
            if row is not None and row.not_after - now > RENEW_BEFORE:
                return _identity(row)
            replaced = repo.retire(KeyKind.USER, actor.id)
            identity = pki.issue_certificate(ca, actor.display_name or actor.name,
                                             self._company_name(repos), now)
            stored = _store(repo, KeyKind.USER, actor.id, identity, now)
            details = {**_describe(identity.certificate), "replaced": bool(replaced)}
            append(repos, actor, AuditEvent("signing.certificate_issued", "signing_key",
                                            str(stored.id), details), now)
        self._publish()
        return identity

    def _customer_seal(self, actor: User) -> pki.Identity:
        """The certificate that seals a customer's handwritten signature, issued from the vault
        CA on first use (audited as signing.certificate_issued) and renewed like a user's."""
        from core.pdf import pki

        # The seal signs in a customer's name, so only those who may sign contracts get it.
        self._guard.require(actor, Permission.CONTRACT_SIGN, "signing_key", "seal")
        self._require_active(actor)
        now = self._clock()
        with self._lock:
            cached = self._seal
            if cached is not None and cached.certificate.not_valid_after_utc - now > RENEW_BEFORE:
                return cached
        ca = self._ensure_ca(actor)
        with self._store.transaction() as repos:
            repo = signing_repo(repos)
            row = repo.active(KeyKind.SEAL)
            if row is not None and row.not_after - now > RENEW_BEFORE:
                identity = _identity(row)
            else:
                replaced = repo.retire(KeyKind.SEAL)
                company = self._company_name(repos)
                identity = pki.issue_certificate(ca, f"{company} customer signature seal",
                                                 company, now)
                stored = _store(repo, KeyKind.SEAL, None, identity, now)
                append(repos, actor, AuditEvent(
                    "signing.certificate_issued", "signing_key", str(stored.id),
                    {**_describe(identity.certificate), "purpose": "customer signature seal",
                     "replaced": bool(replaced)}), now)
        with self._lock:
            self._seal = identity
        self._publish()
        return identity

    # -- the organisation's certificate ------------------------------------------------------
    def _company_signer(self, actor: User) -> pki.Identity:
        """Who signs for the company: the organisation's certificate when one is installed,
        otherwise the acting user's own certificate from the vault CA (CONTRACT_SIGN: the
        organisation's key signs in the company's name)."""
        self._guard.require(actor, Permission.CONTRACT_SIGN, "signing_key", "company")
        organisation = self._organisation_identity()
        return organisation if organisation is not None else self._signer_for(actor)

    def organisation_certificate(self) -> x509.Certificate | None:
        organisation = self._organisation_identity()
        return organisation.certificate if organisation else None

    def _organisation_identity(self) -> pki.Identity | None:
        with self._lock:
            if not self._organisation_loaded:
                with self._store.reader() as repos:
                    row = signing_repo(repos).active(KeyKind.ORGANISATION)
                self._organisation = _identity(row) if row else None
                self._organisation_loaded = True
            return self._organisation

    def use_organisation_certificate(self, actor: User, p12_bytes: bytes,
                                     password: str | None) -> x509.Certificate:
        """Sign for the company with an organisation's certificate from a public CA from now
        on; its root joins the trust roots (and stays there after a later replacement, for the
        documents it signed). SIGNING_MANAGE; audited as signing.organisation_certificate."""
        from cryptography import x509

        from core.pdf import pki

        self._guard.require(actor, Permission.SIGNING_MANAGE, "signing_key", "organisation")
        identity = pki.load_pkcs12(p12_bytes, password)
        cert = identity.certificate
        now = self._clock()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise InvalidInput("The organisation's certificate is expired or not yet valid.")
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            usage = None
        if usage is not None and not usage.content_commitment:
            raise InvalidInput("The organisation's certificate is not meant for signing "
                               "documents: it lacks the nonRepudiation key usage.")
        with self._store.transaction() as repos:
            repo = signing_repo(repos)
            replaced = repo.retire(KeyKind.ORGANISATION)
            stored = _store(repo, KeyKind.ORGANISATION, None, identity, now)
            details = {**_describe(cert), "root": identity.root.subject.rfc4514_string(),
                       "replaced": bool(replaced)}
            append(repos, actor, AuditEvent("signing.organisation_certificate", "signing_key",
                                            str(stored.id), details), now)
        with self._lock:
            self._organisation, self._organisation_loaded = identity, True
        self._publish()
        return cert

    # -- trust ----------------------------------------------------------------------------------
    def trust_roots(self) -> list[x509.Certificate]:
        """The certificates a document of this vault may chain to: the vault CA and the root of
        every organisation certificate ever installed."""
        from core.pdf import pki

        with self._store.reader() as repos:
            repo = signing_repo(repos)
            rows = [*(r for r in [repo.active(KeyKind.VAULT_CA)] if r),
                    *repo.all_of(KeyKind.ORGANISATION)]
        roots: list[x509.Certificate] = []
        for row in rows:
            identity_root = (pki.load_pem_certificates(row.chain_pem.encode())[-1]
                             if row.chain_pem else pki.load_cert(row.certificate))
            if identity_root not in roots:
                roots.append(identity_root)
        return roots

    def pinned(self) -> PinnedCertificates:
        """SHA-256 fingerprints of every customer-signature seal and every organisation
        certificate this vault has used: a contract's customer field must be sealed by one of
        the former, and a company signature that does not come from the vault CA must be one
        of the latter (trusting a public CA's root alone would accept anyone it certified)."""
        from core.pdf import pki

        with self._store.reader() as repos:
            repo = signing_repo(repos)
            seals, organisations = repo.all_of(KeyKind.SEAL), repo.all_of(KeyKind.ORGANISATION)
        return PinnedCertificates(
            seals=frozenset(pki.fingerprint(pki.load_cert(r.certificate)) for r in seals),
            organisations=frozenset(pki.fingerprint(pki.load_cert(r.certificate))
                                    for r in organisations))

    # -- helpers --------------------------------------------------------------------------------
    def _require_active(self, actor: User) -> None:
        with self._store.reader() as repos:
            current = repos.users.get(actor.id)
        if current is None or not current.active:
            raise PermissionDenied("use a signing certificate")

    def _company_name(self, repos: object) -> str:
        profile = repos.settings.get(COMPANY_KEY) or {}  # type: ignore[attr-defined]
        name = str(profile.get("name", "")).strip() if isinstance(profile, dict) else ""
        return name or "Strongroom"

    def _publish(self) -> None:
        if self._bus is not None:
            self._bus.publish(Changes())


class ContractSigners:
    """The private keys a contract's signing uses, for core/contracts/output.py alone. The
    session never exposes this object, so no public service hands out a key: with one, a user
    could seal a draft outside the approval workflow and it would verify."""

    def __init__(self, service: SigningService) -> None:
        self._service = service

    def company(self, actor: User) -> pki.Identity:
        return self._service._company_signer(actor)

    def seal(self, actor: User) -> pki.Identity:
        return self._service._customer_seal(actor)
