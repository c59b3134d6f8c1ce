"""A logged-in user's session: who acts, and the services they act through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.accounts import AccountService
from core.audit import AuditEvent
from core.audit_service import AuditService
from core.changes import ChangeBus
from core.contracts.output import ContractOutputService
from core.contracts.service import ContractService
from core.customers.exporting import ExportService
from core.customers.importing import ImportService
from core.customers.interactions import InteractionService
from core.customers.people import PeopleService
from core.customers.privacy import PrivacyService
from core.customers.service import CustomerService
from core.customers.subject_rights import SubjectRightsService
from core.money.collection import CollectionService
from core.money.credit_service import CreditService
from core.money.funds import FundService
from core.money.reconciliation import ReconciliationService
from core.money.service import MoneyService
from core.money.watch import FraudWatch
from core.passwords import PasswordRules
from core.ports import CredentialStore, KeyVault, Store, Unlocked
from core.reauth import Reauthentication
from core.remember import RememberService
from core.roles import ROLE_LABELS, Permission
from core.settings_service import PolicyService
from core.signing_service import SigningService
from core.trail import Clock, Guard, append
from core.users import User
from core.vault_admin import VaultAdminService

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class AppContext:
    """What every session shares: password rules, the credential store and the clock."""

    rules: PasswordRules
    credentials: CredentialStore | None
    clock: Clock


class Session:
    def __init__(self, unlocked: Unlocked, user: User, ctx: AppContext) -> None:
        self._store: Store = unlocked.store
        self._keys: KeyVault = unlocked.keys
        self._ctx = ctx
        self.user = user
        self.bus = ChangeBus()
        self._guard = Guard(self._store, ctx.clock)
        self.accounts = AccountService(self._store, self._keys, ctx.rules, self._guard,
                                       ctx.clock, self.bus)
        self.policies = PolicyService(self._store, self._guard, ctx.clock, self.bus)
        self.audit = AuditService(self._store, self._keys, self._guard, ctx.clock, self.bus)
        self.vault = VaultAdminService(self._store, self._keys, self._guard, ctx.clock,
                                       self.bus)
        self.customers = CustomerService(self._store, self._guard, ctx.clock, self.bus)
        self.interactions = InteractionService(self._store, self._guard, ctx.clock, self.bus,
                                               self.customers)
        self.customer_import = ImportService(self._store, self._guard, ctx.clock, self.bus,
                                             self.customers)
        self.customer_export = ExportService(self._store, self._guard, ctx.clock, self.bus,
                                             self.customers)
        self.customer_people = PeopleService(self._store, self._guard, self.customers)
        self.privacy = PrivacyService(self._store, self._guard, ctx.clock, self.bus,
                                      self.customers)
        self.subject_rights = SubjectRightsService(self._store, self._guard, ctx.clock,
                                                   self.bus, self.customers)
        self.signing = SigningService(self._store, self._guard, ctx.clock, self.bus)
        # One throttle for every password typed again (contract, fund and credit approvals).
        reauth = Reauthentication(self._store, self._keys, ctx.clock)
        self.contracts = ContractService(self._store, self._guard, ctx.clock, self.bus,
                                         self.customers, self._keys, reauth)
        self.contract_pdfs = ContractOutputService(self._store, self._guard, ctx.clock,
                                                   self.bus, self.contracts, self.signing)
        # Only a PDF whose signatures verify against this vault becomes a contract's record.
        self.contracts.set_signed_document_check(self.contract_pdfs.archive_problems)
        self.money = MoneyService(self._store, self._guard, ctx.clock, self.bus, self.customers)
        self.reconciliation = ReconciliationService(self._store, self._guard, ctx.clock,
                                                    self.bus, self.money)
        self.collection = CollectionService(self._store, self._guard, ctx.clock, self.bus,
                                            self.customers)
        self.fraud = FraudWatch(self._store, self._guard, ctx.clock, self.customers)
        self.funds = FundService(self._store, self._guard, ctx.clock, self.bus, self.customers,
                                 self._keys, reauth)
        self.credit = CreditService(self._store, self._guard, ctx.clock, self.bus,
                                    self.customers, self._keys, reauth)
        self.remember = RememberService(self._store, self._keys, ctx.credentials, ctx.clock,
                                        self.bus)

    @property
    def vault_id(self) -> str:
        return self._keys.vault_id

    @property
    def vault_path(self) -> str:
        return str(self._keys.path)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.user.role]

    @property
    def locked(self) -> bool:
        return self._keys.is_locked

    def can(self, permission: Permission) -> bool:
        return not self.user.must_change_password and self._guard.allowed(self.user, permission)

    def change_password(self, old: str, new: str) -> None:
        self.user = self.accounts.change_own_password(self.user, old, new)

    def lock(self, reason: str = "manual") -> None:
        """Record the lock, then close the database and drop the key."""
        if self.locked:
            return
        try:
            with self._store.transaction() as repos:
                append(repos, self.user, AuditEvent("vault.locked", details={"reason": reason}),
                       self._ctx.clock())
        finally:
            # A failed audit write (damaged or full disk) must not leave the key in memory.
            self._keys.lock()

    def close(self) -> None:
        self.lock("closed")
