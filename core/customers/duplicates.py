"""Duplicate customers: the keys that make two records one customer (the same credit code,
mobile number or e-mail address), names alike enough in the same city to ask a person about
("possible duplicates", never refused on that ground alone), and the record two duplicates
merge into.

A match against a customer the acting user may not see is reported without its name or id:
the user learns that the customer exists (so nobody enters it twice), not who it is or who
owns it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Protocol

from core.customers.access import Scope
from core.customers.model import Contact, Customer, CustomerDraft, CustomerKind
from core.customers.ports import CustomerRepositories, CustomerRepository

CREDIT_CODE, MOBILE, EMAIL, NAME = "credit_code", "mobile", "email", "name"
REASONS = {CREDIT_CODE: "credit code", MOBILE: "mobile number", EMAIL: "e-mail address",
           NAME: "similar name in the same city"}
_MOBILE = re.compile(r"1[3-9]\d{9}")
_BRACKETED = re.compile(r"[\(（\[【][^\)）\]】]*[\)）\]】]")
_WORD = re.compile(r"\w+")
_LATIN_SUFFIXES = frozenset({"co", "ltd", "limited", "inc", "incorporated", "llc", "corp",
                             "corporation", "company", "gmbh", "plc", "group", "the"})
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团公司", "分公司",
                 "总公司", "集团", "公司", "商行", "工作室")
SIMILARITY = 0.85


@dataclass(frozen=True)
class Probe:
    """What storage is asked about one draft (validated, so values are normalised)."""

    index: int
    credit_code: str
    mobiles: tuple[str, ...]
    email: str
    city: str
    names: tuple[str, ...]  # name texts whose sort-key prefix finds similar names


@dataclass(frozen=True)
class Candidate:
    """A stored customer sharing a key with a probe (or, for NAME, a name prefix and city)."""

    index: int
    reason: str
    customer_id: int
    name: str
    kind: CustomerKind
    city: str
    owner_id: int


@dataclass(frozen=True)
class DuplicateMatch:
    reason: str  # CREDIT_CODE, MOBILE, EMAIL or NAME
    exact: bool  # False: only a similar name in the same city
    customer_id: int | None  # None: a customer the user may not see
    name: str = ""

    def describe(self) -> str:
        who = (f"{self.name} (#{self.customer_id})" if self.customer_id is not None
               else "an existing customer you cannot see")
        if self.exact:
            return f"same {REASONS[self.reason]} as {who}"
        return f"similar name in the same city as {who}"


class BulkRepository(Protocol):
    """Storage for import, export, duplicates and merging (storage.customer_bulk)."""

    def loading(self, expected_rows: int = 0) -> AbstractContextManager[None]:
        """Wraps many bulk_add calls in one transaction (tunes storage for a bulk load of
        about `expected_rows` rows; 0 when unknown)."""
        ...
    def max_customer_id(self) -> int: ...
    def candidates(self, probes: Sequence[Probe], up_to_id: int | None,
                   per_name: int = 10) -> list[Candidate]:
        """Customers with id <= up_to_id (None: any) sharing a key with a probe."""
        ...
    def has_contracts(self, customer_id: int) -> bool: ...
    def move_history(self, from_id: int, to_id: int) -> tuple[int, int]:
        """Move interactions, tasks and qualification documents; (interactions, tasks)
        moved."""
        ...
    def delete(self, customer: Customer) -> None: ...
    def full_page(self, scope: Scope, after_id: int, limit: int) -> list[Customer]:
        """Whole customer records in scope with id > after_id, by id."""
        ...
    def optimize_search(self) -> None: ...


class BulkCustomerRepository(CustomerRepository, Protocol):
    def bulk_add(self, rows: Iterable[tuple[CustomerDraft, int]], at: datetime) -> list[int]:
        """Add validated drafts (draft, owner id) at once; their new ids."""
        ...


class BulkRepositories(CustomerRepositories, Protocol):
    customers: BulkCustomerRepository  # type: ignore[misc]
    customer_bulk: BulkRepository


# -- keys and names --------------------------------------------------------------------------
def mobiles_of(draft: CustomerDraft | Customer) -> tuple[str, ...]:
    return tuple(p for p in draft.phones if _MOBILE.fullmatch(p))


def email_key(email: str) -> str:
    return email.casefold()


@lru_cache(maxsize=1 << 16)
def name_core(name: str) -> str:
    """A company name without its legal form, brackets and punctuation: 远航贸易（上海）有限公司
    and "Acme Trading Co., Ltd." become 远航贸易 and acmetrading."""
    text = _BRACKETED.sub(" ", unicodedata.normalize("NFKC", name).casefold())
    words = _WORD.findall(text)
    while len(words) > 1 and words[-1] in _LATIN_SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    core = "".join(words).replace("_", "")
    changed = True
    while changed:
        changed = False
        for suffix in _CJK_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix):
                core, changed = core[:-len(suffix)], True
    return core


@lru_cache(maxsize=4096)
def city_core(city: str) -> str:
    return name_core(city).removesuffix("市")


def _without_city(core: str, city: str) -> str:
    city_core_ = city_core(city)
    if city_core_ and core.startswith(city_core_) and len(core) > len(city_core_) + 1:
        return core[len(city_core_):]
    return core


def same_city(a: str, b: str) -> bool:
    return bool(a) and city_core(a) == city_core(b)


def similar_names(a: str, b: str, city: str, kind: CustomerKind = CustomerKind.COMPANY) -> bool:
    """People must have the same name; companies the same name once legal forms and a leading
    city are set aside, or one such core the start of the other, or nearly the same."""
    if kind == CustomerKind.INDIVIDUAL:
        return name_core(a) == name_core(b) != ""
    x, y = _without_city(name_core(a), city), _without_city(name_core(b), city)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long_ = sorted((x, y), key=len)
    if len(short) >= 2 and long_.startswith(short) and len(short) / len(long_) >= 0.5:
        return True
    matcher = SequenceMatcher(None, x, y)
    # The cheap upper bounds first: most candidates share only a prefix.
    return (matcher.real_quick_ratio() >= SIMILARITY and matcher.quick_ratio() >= SIMILARITY
            and matcher.ratio() >= SIMILARITY)


@dataclass(frozen=True)
class RowKeys:
    """What makes a draft a duplicate, worked out once per row."""

    exact: tuple[tuple[str, str], ...]  # (reason, value)
    name: tuple[str, str, str] | None  # (kind, city, name core) when the city is known
    names: tuple[str, ...]  # name texts whose sort-key prefix finds similar stored names


def keys_of(draft: CustomerDraft) -> RowKeys:
    exact = [(MOBILE, m) for m in mobiles_of(draft)]
    if draft.credit_code:
        exact.append((CREDIT_CODE, draft.credit_code))
    if draft.email:
        exact.append((EMAIL, email_key(draft.email)))
    if not (draft.city and draft.name):
        return RowKeys(tuple(exact), None, ())
    core = _without_city(name_core(draft.name), draft.city)
    return RowKeys(tuple(exact), (str(draft.kind), city_core(draft.city), core),
                   tuple(dict.fromkeys((draft.name, core))))


def probe(index: int, draft: CustomerDraft, keys: RowKeys | None = None) -> Probe:
    keys = keys or keys_of(draft)
    return Probe(index, draft.credit_code, mobiles_of(draft), draft.email, draft.city,
                 keys.names)


def matches(draft: CustomerDraft, found: Iterable[Candidate], scope: Scope,
            shared: dict[int, set[int]], most_similar: int = 3) -> list[DuplicateMatch]:
    """The candidates storage found for one draft, as the acting user may learn of them:
    exact keys first, then at most `most_similar` names checked for similarity, one entry per
    customer."""
    out: dict[int, DuplicateMatch] = {}
    similar = 0
    for c in sorted(found, key=lambda c: c.reason == NAME):
        exact = c.reason != NAME
        if c.customer_id in out:
            continue
        if not exact:
            if similar >= most_similar or not (
                    same_city(c.city, draft.city)
                    and similar_names(c.name, draft.name, draft.city, draft.kind)):
                continue
            similar += 1
        visible = (scope.everyone or c.owner_id in scope.owners
                   or (scope.shared_with is not None
                       and scope.shared_with in shared.get(c.customer_id, set())))
        out[c.customer_id] = DuplicateMatch(c.reason, exact,
                                            c.customer_id if visible else None,
                                            c.name if visible else "")
    return sorted(out.values(), key=lambda m: (not m.exact, m.customer_id or 0))


class SeenInFile:
    """The keys of the rows already read from one file, to flag a row repeating one."""

    def __init__(self) -> None:
        self._exact: dict[tuple[str, str], int] = {}
        self._names: dict[tuple[str, str, str], int] = {}

    def find(self, keys: RowKeys) -> list[tuple[str, int, bool]]:
        """(reason, earlier row, exact) for each key an earlier row shares."""
        found = [(key[0], self._exact[key], True) for key in keys.exact if key in self._exact]
        if not found and keys.name is not None and keys.name in self._names:
            found.append((NAME, self._names[keys.name], False))
        return found

    def add(self, row: int, keys: RowKeys) -> None:
        for key in keys.exact:
            self._exact.setdefault(key, row)
        if keys.name is not None and keys.name[2]:
            self._names.setdefault(keys.name, row)


# -- merging ---------------------------------------------------------------------------------
def merged_draft(keep: Customer, remove: Customer) -> CustomerDraft:
    """`keep` with what only `remove` holds: phones, tags and contacts united, empty fields
    filled, notes joined. Protected values are clear here; core validates the result."""
    def first(a: str, b: str) -> str:
        return a or b

    contacts = list(keep.contacts)
    seen = {(c.name, c.phone, c.email) for c in contacts}
    for c in remove.contacts:
        if (c.name, c.phone, c.email) not in seen:
            contacts.append(Contact(name=c.name, title=c.title, phone=c.phone, email=c.email))
            seen.add((c.name, c.phone, c.email))
    notes = keep.notes if not remove.notes or remove.notes in keep.notes else (
        f"{keep.notes}\n\n{remove.notes}" if keep.notes else remove.notes)
    credit = keep.credit_code or (remove.credit_code if keep.kind == CustomerKind.COMPANY
                                  else "")
    return CustomerDraft(
        kind=keep.kind, name=keep.name, status=keep.status,
        phones=tuple(dict.fromkeys((*keep.phones, *remove.phones))),
        email=first(keep.email, remove.email), address=first(keep.address, remove.address),
        city=first(keep.city, remove.city), region=first(keep.region, remove.region),
        industry=first(keep.industry, remove.industry),
        source=first(keep.source, remove.source),
        tags=tuple(dict.fromkeys((*keep.tags, *remove.tags))), notes=notes,
        credit_code=credit, contacts=tuple(contacts),
        custom={**remove.custom, **keep.custom},
        sensitive={**remove.sensitive, **keep.sensitive})

