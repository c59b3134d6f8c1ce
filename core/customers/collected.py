"""Minimisation: which optional customer fields this vault collects, and the custom fields an
administrator defines (label, protected or not). Kept in the `customer_fields` setting."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from core.customers.model import SENSITIVE_FIELDS, Customer, CustomerDraft
from core.customers.validate import CustomerInvalid, FieldError, clean_text

FIELDS_KEY = "customer_fields"
# Optional built-in fields the administrator may stop collecting; kind, name and status are
# what a record is and stay required.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "phones", "email", "address", "city", "region", "industry", "source", "tags", "notes",
    "credit_code", "contacts", *SENSITIVE_FIELDS)
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class CustomField:
    key: str
    label: str
    sensitive: bool = False


@dataclass(frozen=True)
class FieldSettings:
    """What this vault collects about customers. Defined custom fields are collected."""

    collected: frozenset[str] = frozenset(OPTIONAL_FIELDS)
    custom: Mapping[str, CustomField] = field(default_factory=dict)

    def to_setting(self) -> dict[str, Any]:
        return {"collected": sorted(self.collected),
                "custom": {k: {"label": f.label, "sensitive": f.sensitive}
                           for k, f in sorted(self.custom.items())}}


def field_settings(value: object) -> FieldSettings:
    """The `customer_fields` setting read leniently (older vaults hold {"custom": [...]} or
    nothing): a missing "collected" means every optional field is collected."""
    if not isinstance(value, dict):
        return FieldSettings()
    collected = value.get("collected")
    chosen = (frozenset(str(f) for f in collected if f in OPTIONAL_FIELDS)
              if isinstance(collected, list) else frozenset(OPTIONAL_FIELDS))
    raw = value.get("custom", {})
    custom: dict[str, CustomField] = {}
    if isinstance(raw, list):
        custom = {str(k): CustomField(str(k), str(k)) for k in raw}
    elif isinstance(raw, dict):
        for key, spec in raw.items():
            spec = spec if isinstance(spec, dict) else {}
            custom[str(key)] = CustomField(str(key), str(spec.get("label") or key),
                                           bool(spec.get("sensitive")))
    return FieldSettings(chosen, custom)


def _has_value(draft: CustomerDraft, name: str) -> bool:
    if name in SENSITIVE_FIELDS:
        return bool(clean_text(draft.sensitive.get(name, "")))
    value = getattr(draft, name)
    if isinstance(value, tuple):
        return any(value)
    return bool(clean_text(str(value)))


def uncollected(draft: CustomerDraft, settings: FieldSettings,
                before: CustomerDraft | None = None) -> list[FieldError]:
    """A problem for every value given for a field this vault does not collect. On an edit
    (`before`: the stored record as a draft) a value already held and left unchanged passes:
    turning a field off stops new collection; erasing what is held is anonymisation's job."""
    errors = []
    for name in OPTIONAL_FIELDS:
        if name in settings.collected or not _has_value(draft, name):
            continue
        if before is not None and _comparable(draft, name) == _comparable(before, name):
            continue
        errors.append(FieldError(name, "this vault does not collect this field (the "
                                       "administrator turned it off); leave it empty"))
    return errors


def _comparable(draft: CustomerDraft, name: str) -> object:
    if name in SENSITIVE_FIELDS:
        return draft.sensitive.get(name, "")
    if name == "contacts":
        return tuple(dataclasses.replace(c, id=None) for c in draft.contacts)
    return getattr(draft, name)


def check_collected(draft: CustomerDraft, settings: FieldSettings,
                    before: CustomerDraft | None = None) -> None:
    errors = uncollected(draft, settings, before)
    if errors:
        raise CustomerInvalid(errors)


def as_draft(customer: Customer) -> CustomerDraft:
    """The stored record as the draft an edit starts from (to tell held values from new)."""
    return CustomerDraft(
        kind=customer.kind, name=customer.name, status=customer.status, phones=customer.phones,
        email=customer.email, address=customer.address, city=customer.city,
        region=customer.region, industry=customer.industry, source=customer.source,
        tags=customer.tags, notes=customer.notes, credit_code=customer.credit_code,
        contacts=tuple(dataclasses.replace(c, id=None) for c in customer.contacts),
        custom=dict(customer.custom), sensitive=dict(customer.sensitive))


# Import column fields (core/customers/columns.py FIELDS) by the optional field they feed.
_IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "phones": ("phone",),
    "contacts": ("contact", "contact_title", "contact_phone", "contact_email"),
}


class _Mapped(Protocol):
    fields: list[str | None]
    ignored: list[str]
    used: list[tuple[int, str]]


_M = TypeVar("_M", bound=_Mapped)


def drop_uncollected(cmap: _M, header: list[str], settings: FieldSettings) -> _M:
    """An import reads no column of a field this vault does not collect: the column is
    unmapped (its values are never read) and listed among the ignored headers with the
    reason, so the report says what was left out and why."""
    skipped = {column for name in OPTIONAL_FIELDS if name not in settings.collected
               for column in _IMPORT_COLUMNS.get(name, (name,))}
    for index, name in enumerate(cmap.fields):
        if name in skipped:
            cmap.fields[index] = None
            title = header[index] if index < len(header) and header[index] else name
            cmap.ignored.append(f"{title} (not collected in this vault)")
    cmap.used[:] = [(index, name) for index, name in cmap.used if name not in skipped]
    return cmap
