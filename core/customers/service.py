"""Customer records through the eyes of the acting user: permission, row access, masking, and an
audit entry for every change and every look at protected data."""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from typing import Any, cast

from core.audit import AuditEvent
from core.changes import ChangeBus, Changes
from core.customers import duplicates
from core.customers.access import Scope, can_edit, can_see, scope_for
from core.customers.collected import (
    FIELDS_KEY,
    FieldSettings,
    as_draft,
    check_collected,
    field_settings,
)
from core.customers.duplicates import BulkRepositories, DuplicateMatch
from core.customers.masking import mask
from core.customers.model import (
    BANK_ACCOUNT,
    SENSITIVE_FIELDS,
    Customer,
    CustomerDraft,
    CustomerSummary,
    CustomerView,
    EditConflict,
)
from core.customers.ports import CustomerFilter, CustomerRepositories, PageCursor, SortKey
from core.customers.validate import clean_text, validate_draft
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.ports import Store
from core.roles import PERMISSION_ACTIONS, Permission, Role, has_permission
from core.trail import Clock, Guard, append
from core.users import User

MAX_PAGE = 500
ALL_CUSTOMERS = CustomerFilter()
READ_PERMISSIONS = (Permission.CUSTOMER_READ_ALL, Permission.CUSTOMER_READ_TEAM,
                    Permission.CUSTOMER_READ_OWN)


def field_changes(before: Customer, after: Customer) -> dict[str, Any]:
    """Field-level before/after for the audit trail; protected values appear only as changed."""
    out: dict[str, Any] = {}
    for f in fields(Customer):
        if f.name in {"id", "created_at", "updated_at", "version"}:
            continue
        old, new = getattr(before, f.name), getattr(after, f.name)
        if f.name == "sensitive":
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    out[key] = "[changed]"
        elif old != new:
            out[f.name] = {"before": _plain(old), "after": _plain(new)}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    return str(value) if not isinstance(value, (int, str, bool, type(None), dict)) else value


class CustomerService:
    def __init__(self, store: Store, guard: Guard, clock: Clock, bus: ChangeBus) -> None:
        self._store, self._guard, self._clock, self._bus = store, guard, clock, bus

    # -- access ------------------------------------------------------------------------------
    def scope(self, actor: User) -> Scope:
        with self._store.reader() as repos:
            current = repos.users.get(actor.id) or actor
            team = (repos.users.team_of(actor.id)
                    if has_permission(current.role, Permission.CUSTOMER_READ_TEAM) else [])
        return scope_for(current, team)

    def _stored(self, actor: User) -> User:
        """The account as stored now: a session's copy goes stale when a colleague changes the
        role (a demoted administrator must not keep reading everything, or searching protected
        values, through the copy taken at login)."""
        with self._store.reader() as repos:
            return repos.users.get(actor.id) or dataclasses.replace(actor, active=False)

    def _require_read(self, actor: User) -> Scope:
        current = self._stored(actor)
        for permission in READ_PERMISSIONS:
            if self._guard.allowed(current, permission):
                self._guard.require(actor, permission)  # audits, and refuses a reset password
                return self.scope(actor)
        self._guard.require(actor, Permission.CUSTOMER_READ_OWN)
        raise AssertionError("unreachable")

    def _visible(self, actor: User, customer_id: int) -> tuple[Customer, Scope]:
        """The customer if the actor may see it. Someone else's customer and a missing one give
        the same NotFound, so ids cannot be probed; the attempt is audited."""
        scope = self._require_read(actor)
        with self._store.reader() as repos:
            customer = repos.customers.get(customer_id)
            shared = repos.customers.shared_with(customer_id) if customer else set()
        if customer is None or not can_see(scope, customer, shared):
            if customer is not None:
                self._record(actor, AuditEvent("customer.denied", "customer", str(customer_id),
                                               outcome="denied"), changes=False)
            raise NotFound("No such customer.")
        return customer, scope

    # Public for the services that hang off a customer (interactions, tasks): they follow the
    # customer's row-level access rather than keeping rules of their own.
    def visible(self, actor: User, customer_id: int) -> tuple[Customer, Scope]:
        return self._visible(actor, customer_id)

    def read_scope(self, actor: User) -> Scope:
        """The actor's scope after checking they may read customers at all (audited if not)."""
        return self._require_read(actor)

    # -- reading -----------------------------------------------------------------------------
    def get(self, actor: User, customer_id: int) -> CustomerView:
        customer, scope = self._visible(actor, customer_id)
        self._record(actor, AuditEvent("customer.viewed", "customer", str(customer_id)),
                     changes=False)
        return self._view(actor, scope, customer)

    def _view(self, actor: User, scope: Scope, customer: Customer,
              revealed: dict[str, str] | None = None) -> CustomerView:
        with self._store.reader() as repos:
            owner = repos.users.get(customer.owner_id)
        shown = {k: mask(k, v) for k, v in customer.sensitive.items()}
        shown.update(revealed or {})
        # The view's Customer carries the masked values too: view.customer.sensitive (or a
        # repr of the view in a log or tool tip) must not be a way around the mask.
        return CustomerView(customer=dataclasses.replace(customer, sensitive=shown),
                            sensitive=shown,
                            revealed=frozenset(revealed or {}),
                            owner_name=owner.name if owner else "",
                            can_edit=can_edit(actor, scope, customer))

    def page(self, actor: User, flt: CustomerFilter = ALL_CUSTOMERS,
             sort: str = SortKey.NAME, descending: bool = False,
             after: PageCursor | None = None, limit: int = 200) -> list[CustomerSummary]:
        scope = self._require_read(actor)
        if sort not in SortKey.ALL:
            raise InvalidInput(f"Cannot sort by {sort!r}.")
        with self._store.reader() as repos:
            return repos.customers.page(scope, _cleaned(flt), sort, descending, after,
                                        max(1, min(limit, MAX_PAGE)))

    def cursor_after(self, summary: CustomerSummary, sort: str = SortKey.NAME) -> PageCursor:
        with self._store.reader() as repos:
            return repos.customers.cursor_of(summary, sort)

    def count(self, actor: User, flt: CustomerFilter = ALL_CUSTOMERS) -> int:
        scope = self._require_read(actor)
        with self._store.reader() as repos:
            return repos.customers.count(scope, _cleaned(flt))

    def search(self, actor: User, query: str, limit: int = 50) -> list[CustomerSummary]:
        """As-you-type search over names, contacts, phones, e-mail, city and notes, within what
        the actor may see. Protected fields are searched only for those who may reveal them,
        and such a search is audited (without the searched value)."""
        scope = self._require_read(actor)
        text = clean_text(query)
        if not text:
            return []
        limit = max(1, min(limit, MAX_PAGE))
        with self._store.reader() as repos:
            found = repos.customers.search(scope, text, limit)
        if (_could_be_sensitive(text)
                and self._guard.allowed(self._stored(actor), Permission.SENSITIVE_REVEAL)):
            with self._store.reader() as repos:
                extra = repos.customers.search_sensitive(scope, text, limit)
            seen = {s.id for s in found}
            added = [s for s in extra if s.id not in seen]
            if added:
                self._record(actor, AuditEvent("customer.sensitive_search", details={
                    "matches": len(added), "query_length": len(text)}), changes=False)
                found = (found + added)[:limit]
        return found

    # -- changing ----------------------------------------------------------------------------
    def create(self, actor: User, draft: CustomerDraft,
               owner_id: int | None = None) -> CustomerView:
        self._guard.require(actor, Permission.CUSTOMER_WRITE, "customer", "")
        scope = self.scope(actor)
        owner = actor.id if owner_id is None else owner_id
        self._check_owner(actor, scope, owner)
        clean = validate_draft(draft, self._custom_fields())
        check_collected(clean, self._field_settings())
        now = self._clock()
        with self._store.transaction() as repos:
            customer = repos.customers.add(clean, owner, now)
            append(repos, actor, AuditEvent("customer.created", "customer", str(customer.id), {
                "owner_id": owner, "protected_fields": sorted(customer.sensitive)},
                personal={"name": customer.name}), now)
        self._bus.publish(Changes(customers=True))
        return self._view(actor, scope, customer)

    def update(self, actor: User, customer_id: int, draft: CustomerDraft,
               expected_version: int) -> CustomerView:
        # The permission before the lookup: a role that may not do this learns nothing about
        # which ids exist (and the matrix test needs no data to knock with).
        self._guard.require(actor, Permission.CUSTOMER_WRITE, "customer", str(customer_id))
        customer, scope = self._visible(actor, customer_id)
        if not can_edit(actor, scope, customer):
            self._deny(actor, Permission.CUSTOMER_WRITE, customer_id)
        if customer.version != expected_version:
            raise EditConflict()
        clean = validate_draft(_keep_protected(customer, draft), self._custom_fields())
        check_collected(clean, self._field_settings(), as_draft(customer))
        now = self._clock()
        with self._store.transaction() as repos:
            saved = repos.customers.save(customer, clean, now)
            changed = field_changes(customer, saved)
            before_account = customer.sensitive.get(BANK_ACCOUNT, "")
            after_account = saved.sensitive.get(BANK_ACCOUNT, "")
            if before_account != after_account:
                repos.bank_accounts.add_change(customer_id, before_account, after_account,
                                               now, actor.id)
            if changed:
                append(repos, actor, AuditEvent("customer.updated", "customer",
                                                str(customer_id), {"fields": sorted(changed)},
                                                personal=changed), now)
        self._bus.publish(Changes(customers=True))
        return self._view(actor, scope, saved)

    def reveal(self, actor: User, customer_id: int, field: str, reason: str) -> str:
        """The clear value of one protected field; needs the permission and a reason, and is
        audited with both. The UI re-masks it after a short time."""
        self._guard.require(actor, Permission.SENSITIVE_REVEAL, "customer", str(customer_id))
        customer, _scope = self._visible(actor, customer_id)
        reason = clean_text(reason)
        if len(reason) < 3:
            raise InvalidInput("Say why you need to see this value.")
        if field not in customer.sensitive:
            raise NotFound("That field has no value.")
        self._record(actor, AuditEvent("customer.revealed", "customer", str(customer_id),
                                       {"field": field, "reason": reason}), changes=False)
        return customer.sensitive[field]

    def set_shared(self, actor: User, customer_id: int, user_id: int, shared: bool) -> None:
        self._guard.require(actor, Permission.CUSTOMER_SHARE, "customer", str(customer_id))
        customer, scope = self._visible(actor, customer_id)
        if not can_edit(actor, scope, customer):
            self._deny(actor, Permission.CUSTOMER_SHARE, customer_id)
        with self._store.transaction() as repos:
            colleague = repos.users.get(user_id)
            if colleague is None or not colleague.active:
                raise NotFound("No such user.")
            repos.customers.set_shared(customer_id, user_id, shared)
            append(repos, actor, AuditEvent(
                "customer.shared" if shared else "customer.unshared", "customer",
                str(customer_id), {"with": colleague.name}), self._clock())
        self._bus.publish(Changes(customers=True))

    def transfer_all(self, actor: User, from_user: int, to_user: int) -> int:
        """Move every customer of one rep to another (when someone leaves); audited with the
        list of customers moved. Managers move only within their team."""
        self._guard.require(actor, Permission.CUSTOMER_TRANSFER, "user", str(from_user))
        scope = self.scope(actor)
        for user_id in (from_user, to_user):
            if not scope.everyone and user_id not in scope.owners:
                self._deny(actor, Permission.CUSTOMER_TRANSFER, None)
        now = self._clock()
        with self._store.transaction() as repos:
            target = repos.users.get(to_user)
            if target is None or not target.active or target.role not in (
                    Role.SALES_REP, Role.SALES_MANAGER, Role.ADMINISTRATOR):
                raise InvalidInput("Customers can only be transferred to an active sales user.")
            moved = repos.customers.transfer(from_user, to_user, now)
            # Open follow-ups go with the customers, or they would fall out of every Today view
            # but a manager's.
            tasks = repos.tasks.reassign_open(moved, from_user, to_user)  # type: ignore[attr-defined]
            append(repos, actor, AuditEvent("customer.transferred", "user", str(from_user), {
                "to": to_user, "count": len(moved), "customers": moved[:1000],
                "open_tasks": tasks}), now)
        self._bus.publish(Changes(customers=True))
        return len(moved)

    # -- duplicates --------------------------------------------------------------------------
    def find_duplicates(self, actor: User, draft: CustomerDraft) -> list[DuplicateMatch]:
        """Existing customers that `draft` would duplicate (same credit code, mobile or e-mail:
        `exact`) or may duplicate (similar name in the same city), for the create form to ask
        about before saving. A customer the actor may not see is listed without name or id.
        CustomerInvalid if the draft is invalid (it must be valid to be compared)."""
        scope = self._require_read(actor)
        clean = validate_draft(draft, self._custom_fields())
        with self._store.reader() as plain:
            repos = cast(BulkRepositories, plain)
            found = repos.customer_bulk.candidates([duplicates.probe(0, clean)], None)
            shared = {c.customer_id: repos.customers.shared_with(c.customer_id) for c in found}
        return duplicates.matches(clean, found, scope, shared)

    def merge(self, actor: User, keep_id: int, remove_id: int) -> CustomerView:
        """Fold `remove_id` into `keep_id`: phones, tags, contacts and protected values united,
        empty fields filled, notes joined; every interaction and task moved over; whoever could
        see the removed record (its owner, those it was shared with) gets the kept one shared.
        The removed record is then deleted; the audit entry keeps both ids."""
        self._guard.require(actor, Permission.CUSTOMER_WRITE, "customer", str(keep_id))
        if keep_id == remove_id:
            raise InvalidInput("A customer cannot be merged with itself.")
        keep, scope = self._visible(actor, keep_id)
        remove, _scope = self._visible(actor, remove_id)
        for customer in (keep, remove):
            if not can_edit(actor, scope, customer):
                self._deny(actor, Permission.CUSTOMER_WRITE, customer.id)
            if customer.anonymised:
                raise InvalidInput("An anonymised customer cannot be merged.")
        clean = validate_draft(duplicates.merged_draft(keep, remove), self._custom_fields())
        now = self._clock()
        with self._store.transaction() as plain:
            repos = cast(BulkRepositories, plain)
            saved = repos.customers.save(keep, clean, now)  # EditConflict if keep moved
            current = repos.customers.get(remove_id)
            if current is None or current.version != remove.version:
                raise EditConflict()
            if repos.customer_bulk.has_contracts(remove_id):
                # A contract names its party; it cannot silently change to another record.
                raise InvalidInput(f"{remove.name} has contracts, so it must be the record "
                                   "that is kept: merge the other record into it.")
            moved = repos.customer_bulk.move_history(remove_id, keep_id)
            # The refund fraud signals read the account history: the removed record's goes
            # with it, and an account the kept record gains here is a change like any other.
            accounts = cast(CustomerRepositories, plain).bank_accounts
            accounts.move(remove_id, keep_id)
            before_account = keep.sensitive.get(BANK_ACCOUNT, "")
            after_account = saved.sensitive.get(BANK_ACCOUNT, "")
            if before_account != after_account:
                accounts.add_change(keep_id, before_account, after_account, now, actor.id)
            plain.privacy.move_consents(remove_id, keep_id)  # type: ignore[attr-defined]
            heirs = repos.customers.shared_with(remove_id) | {remove.owner_id}
            for user_id in sorted(heirs - repos.customers.shared_with(keep_id)
                                  - {keep.owner_id}):
                repos.customers.set_shared(keep_id, user_id, True)
            repos.customer_bulk.delete(current)
            saved = repos.customers.get(keep_id) or saved
            append(repos, actor, AuditEvent("customer.merged", "customer", str(keep_id), {
                "kept": keep_id, "removed": remove_id,
                "removed_owner_id": remove.owner_id, "interactions_moved": moved[0],
                "tasks_moved": moved[1], "fields": sorted(field_changes(keep, saved))},
                personal={"removed_name": remove.name},
                subject=f"customer:{keep_id}"), now)
        self._bus.publish(Changes(customers=True, interactions=True))
        return self._view(actor, scope, saved)

    # -- helpers -----------------------------------------------------------------------------
    def _check_owner(self, actor: User, scope: Scope, owner_id: int) -> None:
        if owner_id == actor.id:
            return
        if not scope.everyone and owner_id not in scope.owners:
            self._deny(actor, Permission.CUSTOMER_TRANSFER, None)
        with self._store.reader() as repos:
            owner = repos.users.get(owner_id)
        if owner is None or not owner.active:
            raise InvalidInput("The owner must be an active user.")

    def _custom_fields(self) -> frozenset[str]:
        return frozenset(self._field_settings().custom)

    def _field_settings(self) -> FieldSettings:
        with self._store.reader() as repos:
            return field_settings(repos.settings.get(FIELDS_KEY))

    def _deny(self, actor: User, permission: Permission, customer_id: int | None) -> None:
        self._record(actor, AuditEvent("permission.denied", "customer",
                                       "" if customer_id is None else str(customer_id),
                                       {"permission": permission.value}, outcome="denied"),
                     changes=False)
        raise PermissionDenied(PERMISSION_ACTIONS[permission])

    def _record(self, actor: User, event: AuditEvent, changes: bool = True) -> None:
        with self._store.transaction() as repos:
            append(repos, actor, event, self._clock())
        self._bus.publish(Changes(customers=changes))


def _cleaned(flt: CustomerFilter) -> CustomerFilter:
    """Filter text folded as stored text was (full-width ＯＲ is stored as OR)."""
    return dataclasses.replace(flt, city=clean_text(flt.city, 60), tag=clean_text(flt.tag, 40))


def _keep_protected(customer: Customer, draft: CustomerDraft) -> CustomerDraft:
    """An edit form never holds clear protected values (the view is masked): a field left out
    of the draft, or sent back as its mask, keeps the stored value; an empty one erases it."""
    merged = dict(customer.sensitive)
    for key, value in draft.sensitive.items():
        if not clean_text(value):
            merged.pop(key, None)
        elif key not in customer.sensitive or value != mask(key, customer.sensitive[key]):
            merged[key] = value
    return dataclasses.replace(draft, sensitive=merged)


def _could_be_sensitive(text: str) -> bool:
    compact = text.replace(" ", "").replace("-", "")
    return len(compact) >= 4 and sum(ch.isdigit() for ch in compact) >= 4


__all__ = ["SENSITIVE_FIELDS", "CustomerService", "EditConflict", "field_changes"]
