"""PIPL duties that are settings and records rather than customer fields: which optional fields
are collected at all (minimisation), the custom fields an administrator defines, consent records
per customer, and the retention policy with the list of customers due for anonymisation.

The access request and anonymisation live in core/customers/subject_rights.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, cast

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.customers.access import can_edit
from core.customers.collected import (
    FIELDS_KEY,
    KEY_PATTERN,
    OPTIONAL_FIELDS,
    CustomField,
    FieldSettings,
    field_settings,
)
from core.customers.service import CustomerService
from core.customers.validate import clean_text
from core.errors import InvalidInput, NotFound
from core.ports import Store
from core.roles import Permission
from core.trail import Clock, Guard, append
from core.users import User

RETENTION_KEY = "retention"
DEFAULT_RETENTION_YEARS = 3
MAX_PURPOSE = 200


@dataclass(frozen=True)
class Consent:
    id: int
    customer_id: int
    purpose: str
    scope: str
    given_at: datetime
    withdrawn_at: datetime | None
    recorded_by: int
    withdrawn_by: int | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


@dataclass(frozen=True)
class DueCustomer:
    """A customer whose last activity (last interaction or change) is past retention."""

    id: int
    name: str
    owner_id: int
    last_activity: datetime


class PrivacyRepository(Protocol):
    def add_consent(self, customer_id: int, purpose: str, scope: str, given_at: datetime,
                    recorded_by: int, created_at: datetime) -> Consent: ...
    def get_consent(self, consent_id: int) -> Consent | None: ...
    def withdraw_consent(self, consent_id: int, at: datetime, by: int) -> Consent: ...
    def consents(self, customer_id: int) -> list[Consent]: ...
    def move_consents(self, from_id: int, to_id: int) -> int: ...
    def inactive_since(self, before: datetime, limit: int) -> list[DueCustomer]: ...


def privacy_repo(repos: object) -> PrivacyRepository:
    return cast(PrivacyRepository, repos.privacy)  # type: ignore[attr-defined]


class PrivacyService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus,
                 customers: CustomerService) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus
        self._customers = customers

    # -- collected and custom fields ----------------------------------------------------------
    def fields(self) -> FieldSettings:
        """For forms and imports: anyone may read which fields are collected."""
        with self._store.reader() as repos:
            return field_settings(repos.settings.get(FIELDS_KEY))

    def set_fields(self, actor: User, collected: Iterable[str],
                   custom: Iterable[CustomField] = ()) -> FieldSettings:
        """Choose the collected optional fields and define the custom ones (replacing the
        previous definitions); PRIVACY_MANAGE, audited with the before and after."""
        self._guard.require(actor, Permission.PRIVACY_MANAGE, "settings", FIELDS_KEY)
        chosen = frozenset(collected)
        unknown = sorted(chosen - set(OPTIONAL_FIELDS))
        if unknown:
            raise InvalidInput(f"Unknown optional field(s): {', '.join(unknown)}.")
        defined: dict[str, CustomField] = {}
        for item in custom:
            key, label = clean_text(item.key, 40), clean_text(item.label, 80)
            if not KEY_PATTERN.fullmatch(key) or key in OPTIONAL_FIELDS or key in (
                    "name", "kind", "status") or key in defined:
                raise InvalidInput(f"{item.key!r} cannot be a custom field's key (lower-case "
                                   "letters, digits and _; not a built-in field; unique).")
            if not label:
                raise InvalidInput(f"The custom field {key!r} needs a label.")
            defined[key] = CustomField(key, label, bool(item.sensitive))
        settings = FieldSettings(chosen, defined)
        now = self._clock()
        with self._store.transaction() as repos:
            before = field_settings(repos.settings.get(FIELDS_KEY))
            repos.settings.put(FIELDS_KEY, settings.to_setting())
            append(repos, actor, AuditEvent("config.changed", "settings", FIELDS_KEY, {
                "before": before.to_setting(), "after": settings.to_setting()}), now)
        self._bus.publish(Changes(customers=True))
        return settings

    # -- consent ------------------------------------------------------------------------------
    # Recording or withdrawing consent needs CUSTOMER_WRITE and the right to edit the record
    # (owner, their manager, administrators): consent decides what processing of the record is
    # lawful, so it is governed like the record itself, not like a note anyone sharing the
    # customer may add. Whoever may see the customer may read its consents.
    def record_consent(self, actor: User, customer_id: int, purpose: str, scope: str = "",
                       given_at: datetime | None = None) -> Consent:
        self._guard.require(actor, Permission.CUSTOMER_WRITE, "customer", str(customer_id))
        self._editable(actor, customer_id)
        purpose, scope = clean_text(purpose, MAX_PURPOSE), clean_text(scope, MAX_PURPOSE)
        if not purpose:
            raise InvalidInput("Say what the consent is for (its purpose).")
        now = self._clock()
        given = given_at or now
        if given > now + timedelta(days=1):
            raise InvalidInput("Consent cannot be given in the future.")
        with self._store.transaction() as repos:
            consent = privacy_repo(repos).add_consent(customer_id, purpose, scope, given,
                                                      actor.id, now)
            append(repos, actor, AuditEvent("consent.recorded", "customer", str(customer_id), {
                "consent_id": consent.id, "purpose": purpose, "scope": scope}), now)
        self._bus.publish(Changes(customers=True))
        return consent

    def withdraw_consent(self, actor: User, customer_id: int, consent_id: int) -> Consent:
        """Marks the consent withdrawn (kept, never deleted)."""
        self._guard.require(actor, Permission.CUSTOMER_WRITE, "customer", str(customer_id))
        self._editable(actor, customer_id)
        now = self._clock()
        with self._store.transaction() as repos:
            repo = privacy_repo(repos)
            consent = repo.get_consent(consent_id)
            if consent is None or consent.customer_id != customer_id:
                raise NotFound("No such consent.")
            if not consent.active:
                raise InvalidInput("This consent was already withdrawn.")
            consent = repo.withdraw_consent(consent_id, now, actor.id)
            append(repos, actor, AuditEvent("consent.withdrawn", "customer", str(customer_id), {
                "consent_id": consent_id, "purpose": consent.purpose}), now)
        self._bus.publish(Changes(customers=True))
        return consent

    def consents(self, actor: User, customer_id: int) -> list[Consent]:
        self._customers.visible(actor, customer_id)
        with self._store.reader() as repos:
            return privacy_repo(repos).consents(customer_id)

    def _editable(self, actor: User, customer_id: int) -> None:
        customer, scope = self._customers.visible(actor, customer_id)
        if not can_edit(actor, scope, customer):
            self._customers._deny(actor, Permission.CUSTOMER_WRITE, customer_id)
        if customer.anonymised:
            raise InvalidInput("This customer was anonymised.")

    # -- retention ----------------------------------------------------------------------------
    def retention_years(self) -> int:
        """Years after a customer's last activity before it is due for anonymisation."""
        with self._store.reader() as repos:
            value = repos.settings.get(RETENTION_KEY)
        years = value.get("years") if isinstance(value, dict) else None
        return years if isinstance(years, int) and years > 0 else DEFAULT_RETENTION_YEARS

    def set_retention_years(self, actor: User, years: int) -> None:
        self._guard.require(actor, Permission.PRIVACY_MANAGE, "settings", RETENTION_KEY)
        if not isinstance(years, int) or not 1 <= years <= 30:
            raise InvalidInput("Retention must be between 1 and 30 years.")
        now = self._clock()
        with self._store.transaction() as repos:
            before = repos.settings.get(RETENTION_KEY)
            repos.settings.put(RETENTION_KEY, {"years": years})
            append(repos, actor, AuditEvent("config.changed", "settings", RETENTION_KEY, {
                "before": before, "after": {"years": years}}), now)

    def due_for_anonymisation(self, actor: User, limit: int = 1000) -> list[DueCustomer]:
        """Customers not yet anonymised whose last activity (newest interaction, or the last
        change to the record) is older than the retention period; oldest first."""
        self._guard.require(actor, Permission.PRIVACY_MANAGE, "customer", "")
        cutoff = _years_before(self._clock(), self.retention_years())
        with self._store.reader() as repos:
            return privacy_repo(repos).inactive_since(cutoff, max(1, min(limit, 100_000)))


def _years_before(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year - years)
    except ValueError:  # 29 February
        return at.replace(year=at.year - years, day=28)


__all__ = ["Consent", "CustomField", "DueCustomer", "FieldSettings", "PrivacyService"]
