"""CustomerService through real sessions on an encrypted vault: field-level audit that never holds
a protected value, version conflicts, audited reveals, masking in every output, and row-level
access tried through every method (a rep reaching another rep's customer, sharing, teams,
read-only roles, transfers)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditEntry, AuditFilter
from core.auth import Authenticator
from core.customers.model import (
    BANK_ACCOUNT,
    NATIONAL_ID,
    PERSONAL_MOBILE,
    Contact,
    CustomerDraft,
    CustomerKind,
    CustomerStatus,
    EditConflict,
)
from core.customers.ports import CustomerFilter, SortKey
from core.customers.validate import id_check_char
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.roles import Role
from core.session import Session
from tests.conftest import USERS

ID = "11010519491231002X"
MOBILE = "13912348765"
ACCOUNT = "6222021234567890"
SECRETS = (ID, MOBILE, ACCOUNT, "19491231", "12348765", "02123456")
OTHER_REP = ("Ravi Rep", "another rep pass phrase 9")


class People:
    """Sessions of every role in one vault, opened when first used."""

    def __init__(self, auth: Authenticator, vault_path: Path, login: Any,
                 admin: Session) -> None:
        self._auth, self._path, self._login = auth, vault_path, login
        self.admin = admin
        self._open: dict[str, Session] = {}
        self.other_rep_id = admin.accounts.add_user(admin.user, OTHER_REP[0], Role.SALES_REP,
                                                    OTHER_REP[1], must_change=False).id

    def __getattr__(self, name: str) -> Session:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._open:
            if name == "other_rep":
                self._open[name] = self._auth.login(self._path, *OTHER_REP)
            else:
                self._open[name] = self._login({
                    "manager": Role.SALES_MANAGER, "rep": Role.SALES_REP,
                    "finance": Role.FINANCE, "auditor": Role.AUDITOR}[name])
        return self._open[name]

    def close(self) -> None:
        for session in self._open.values():
            if not session.locked:
                session.close()

    def trail(self, action: str = "") -> list[AuditEntry]:
        return self.admin.audit.page(self.admin.user, AuditFilter(action=action), limit=500)


@pytest.fixture
def people(auth: Authenticator, vault_path: Path, login: Any,
           admin_session: Session) -> Iterator[People]:
    made = People(auth, vault_path, login, admin_session)
    yield made
    made.close()


def person(name: str, **fields: Any) -> CustomerDraft:
    return CustomerDraft(kind=CustomerKind.INDIVIDUAL, name=name, **fields)


PROTECTED = person("李娜", phones=("13812345678",), city="上海",
                   sensitive={NATIONAL_ID: ID, PERSONAL_MOBILE: MOBILE, BANK_ACCOUNT: ACCOUNT})


def assert_no_secret(*outputs: Any) -> None:
    for output in outputs:
        text = output if isinstance(output, str) else repr(output)
        for secret in SECRETS:
            assert secret not in text, (secret, text[:200])


def test_create_get_update_with_a_field_level_audit(people: People) -> None:
    rep = people.rep
    view = rep.customers.create(rep.user, PROTECTED)
    assert view.owner_name == USERS[Role.SALES_REP][0] and view.can_edit
    assert view.sensitive == {NATIONAL_ID: "110***********002X", PERSONAL_MOBILE: "139****8765",
                              BANK_ACCOUNT: "************7890"}
    assert not view.revealed
    assert_no_secret(view, rep.customers.get(rep.user, view.id))
    edit = person("李娜娜", phones=("13812345678", "010-12345678"), city="北京",
                  contacts=(Contact("王芳", phone="13900001111"),),
                  sensitive={NATIONAL_ID: view.sensitive[NATIONAL_ID],  # the mask: kept
                             BANK_ACCOUNT: "6222029999999999"})  # personal mobile left out
    updated = rep.customers.update(rep.user, view.id, edit, expected_version=1)
    assert updated.version == 2 and updated.name == "李娜娜"
    assert updated.phones == ("13812345678", "01012345678")
    assert set(updated.sensitive) == {NATIONAL_ID, PERSONAL_MOBILE, BANK_ACCOUNT}
    assert rep.customers.reveal(rep.user, view.id, NATIONAL_ID, "checking kept") == ID
    assert rep.customers.reveal(rep.user, view.id, PERSONAL_MOBILE, "checking kept") == MOBILE
    # An empty value erases.
    rep.customers.update(rep.user, view.id, person("李娜娜", sensitive={PERSONAL_MOBILE: ""}),
                         expected_version=2)
    assert set(rep.customers.get(rep.user, view.id).sensitive) == {NATIONAL_ID, BANK_ACCOUNT}
    created = people.trail("customer.created")[0]
    assert created.details["protected_fields"] == [BANK_ACCOUNT, NATIONAL_ID, PERSONAL_MOBILE]
    changes = people.trail("customer.updated")
    first = changes[-1].details
    assert first["name"] == {"before": "李娜", "after": "李娜娜"}
    assert first["city"] == {"before": "上海", "after": "北京"}
    assert first[BANK_ACCOUNT] == "[changed]" and NATIONAL_ID not in first
    assert changes[0].details[PERSONAL_MOBILE] == "[changed]"
    assert NATIONAL_ID not in changes[0].details and BANK_ACCOUNT not in changes[0].details
    for entry in people.trail():
        assert_no_secret(json.dumps(entry.details, ensure_ascii=False), entry.object_id)
        assert "6222029999999999" not in json.dumps(entry.details)


def test_an_edit_on_a_stale_version_is_refused(people: People) -> None:
    rep = people.rep
    view = rep.customers.create(rep.user, person("Version Test"))
    rep.customers.update(rep.user, view.id, person("First"), expected_version=1)
    with pytest.raises(EditConflict):
        rep.customers.update(rep.user, view.id, person("Second"), expected_version=1)
    assert rep.customers.get(rep.user, view.id).name == "First"


def test_reveal_needs_the_permission_and_a_reason_and_is_audited(people: People) -> None:
    rep = people.rep
    cid = rep.customers.create(rep.user, PROTECTED).id
    with pytest.raises(InvalidInput):
        rep.customers.reveal(rep.user, cid, NATIONAL_ID, "  ")
    with pytest.raises(NotFound):
        rep.customers.reveal(rep.user, cid, "passport", "no such field here")
    assert rep.customers.reveal(rep.user, cid, NATIONAL_ID, "contract signing") == ID
    entry = people.trail("customer.revealed")[0]
    assert entry.details == {"field": NATIONAL_ID, "reason": "contract signing"}
    assert entry.actor_id == rep.user.id and entry.object_id == str(cid)
    auditor = people.auditor
    with pytest.raises(PermissionDenied):
        auditor.customers.reveal(auditor.user, cid, NATIONAL_ID, "curiosity")
    denied = people.trail("permission.denied")[0]
    assert denied.actor_id == auditor.user.id and denied.details == {
        "permission": "customer.reveal"}
    assert people.finance.customers.reveal(people.finance.user, cid, BANK_ACCOUNT,
                                           "refund") == ACCOUNT
    assert_no_secret(*(json.dumps(e.details) for e in people.trail()))


def test_masked_values_never_leak_through_lists_search_or_counts(people: People) -> None:
    rep = people.rep
    cid = rep.customers.create(rep.user, PROTECTED).id
    for session in (rep, people.admin, people.finance, people.auditor):
        user = session.user
        outputs = [session.customers.get(user, cid),
                   session.customers.page(user), session.customers.count(user),
                   session.customers.search(user, "李娜"), session.customers.search(user, ID),
                   session.customers.search(user, "1949 1231"),
                   session.customers.page(user, sort=SortKey.UPDATED, descending=True)]
        assert_no_secret(*outputs)
        assert any(s.id == cid for s in session.customers.search(user, "李娜"))
    summary = rep.customers.search(rep.user, "李娜")[0]
    assert not any("sensitive" in name or name in (NATIONAL_ID, BANK_ACCOUNT, PERSONAL_MOBILE)
                   for name in vars(summary))


def test_a_rep_cannot_reach_another_reps_customer_by_any_path(people: People) -> None:
    owner, rep = people.rep, people.other_rep
    theirs = owner.customers.create(owner.user, PROTECTED).id
    rep.customers.create(rep.user, person("Ravi's Own"))
    me = rep.user
    attempts: list[Callable[[], Any]] = [
        lambda: rep.customers.get(me, theirs),
        lambda: rep.customers.update(me, theirs, person("Hijacked"), expected_version=1),
        lambda: rep.customers.reveal(me, theirs, NATIONAL_ID, "just looking"),
        lambda: rep.customers.set_shared(me, theirs, me.id, True),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):  # the same answer as for a customer that does not exist
            attempt()
    with pytest.raises(PermissionDenied):
        rep.customers.transfer_all(me, owner.user.id, me.id)
    assert [s.name for s in rep.customers.page(me)] == ["Ravi's Own"]
    for sort in SortKey.ALL:
        for descending in (False, True):
            assert all(s.id != theirs for s in rep.customers.page(me, sort=sort,
                                                                  descending=descending))
    assert rep.customers.page(me, CustomerFilter(owner_id=owner.user.id)) == []
    assert rep.customers.count(me) == 1
    assert rep.customers.count(me, CustomerFilter(owner_id=owner.user.id)) == 0
    assert rep.customers.count(me, CustomerFilter(city="上海")) == 0
    for query in ("李娜", "李", "13812345678", "5678", "上海", ID, "19491231", MOBILE,
                  ACCOUNT[-8:]):
        assert rep.customers.search(me, query) == [], query
    denials = people.trail("customer.denied")
    assert len(denials) == len(attempts)
    assert all(d.actor_id == me.id and d.outcome == "denied" and d.object_id == str(theirs)
               for d in denials)
    assert owner.customers.get(owner.user, theirs).name == "李娜"
    assert owner.customers.get(owner.user, theirs).version == 1


def test_sharing_grants_reading_not_editing(people: People) -> None:
    owner, colleague = people.rep, people.other_rep
    cid = owner.customers.create(owner.user, PROTECTED).id
    owner.customers.set_shared(owner.user, cid, colleague.user.id, True)
    view = colleague.customers.get(colleague.user, cid)
    assert view.name == "李娜" and not view.can_edit
    assert [s.id for s in colleague.customers.search(colleague.user, "李娜")] == [cid]
    assert colleague.customers.count(colleague.user) == 1
    with pytest.raises(PermissionDenied):
        colleague.customers.update(colleague.user, cid, person("Mine now"), expected_version=1)
    with pytest.raises(PermissionDenied):
        colleague.customers.set_shared(colleague.user, cid, people.manager.user.id, True)
    with pytest.raises(NotFound):
        owner.customers.set_shared(owner.user, cid, 9999, True)
    assert [e.details for e in people.trail("customer.shared")] == [
        {"with": OTHER_REP[0]}]
    owner.customers.set_shared(owner.user, cid, colleague.user.id, False)
    with pytest.raises(NotFound):
        colleague.customers.get(colleague.user, cid)
    assert colleague.customers.search(colleague.user, "李娜") == []
    assert colleague.customers.count(colleague.user) == 0


def test_a_manager_sees_the_team_only_once_it_is_their_team(people: People) -> None:
    rep, manager, admin = people.rep, people.manager, people.admin
    cid = rep.customers.create(rep.user, PROTECTED).id
    with pytest.raises(NotFound):
        manager.customers.get(manager.user, cid)
    assert manager.customers.search(manager.user, "李娜") == []
    admin.accounts.set_manager(admin.user, rep.user.id, manager.user.id)
    view = manager.customers.get(manager.user, cid)
    assert view.can_edit and manager.customers.count(manager.user) == 1
    assert [s.id for s in manager.customers.search(manager.user, "李娜")] == [cid]
    manager.customers.update(manager.user, cid, person("李娜", city="深圳"), 1)
    # Moving within the team is allowed; from someone outside it is not.
    assert manager.customers.transfer_all(manager.user, rep.user.id, manager.user.id) == 1
    with pytest.raises(PermissionDenied):
        manager.customers.transfer_all(manager.user, people.other_rep_id, manager.user.id)
    admin.accounts.set_manager(admin.user, rep.user.id, None)
    assert manager.customers.count(manager.user) == 1  # it is the manager's own now
    rep_view = rep.customers.page(rep.user)
    assert rep_view == []


@pytest.mark.parametrize("role_name", ["finance", "auditor"])
def test_finance_and_auditors_read_everything_and_change_nothing(people: People,
                                                                 role_name: str) -> None:
    rep = people.rep
    cid = rep.customers.create(rep.user, PROTECTED).id
    reader: Session = getattr(people, role_name)
    me = reader.user
    view = reader.customers.get(me, cid)
    assert not view.can_edit and reader.customers.count(me) == 1
    assert [s.id for s in reader.customers.search(me, "李娜")] == [cid]
    for attempt in (lambda: reader.customers.create(me, person("Not allowed")),
                    lambda: reader.customers.update(me, cid, person("Changed"), 1),
                    lambda: reader.customers.set_shared(me, cid, people.other_rep_id, True),
                    lambda: reader.customers.transfer_all(me, rep.user.id,
                                                          people.other_rep_id)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert rep.customers.get(rep.user, cid).version == 1
    assert len(people.trail("permission.denied")) == 4


def test_transfer_all_moves_everything_and_is_audited(people: People) -> None:
    rep, admin = people.rep, people.admin
    ids = [rep.customers.create(rep.user, person(f"客户{i}", phones=("13812345678",))).id
           for i in range(3)]
    with pytest.raises(InvalidInput):
        admin.customers.transfer_all(admin.user, rep.user.id, people.finance.user.id)
    moved = admin.customers.transfer_all(admin.user, rep.user.id, people.other_rep_id)
    assert moved == 3
    assert rep.customers.page(rep.user) == [] and rep.customers.search(rep.user, "客户") == []
    other = people.other_rep
    assert sorted(s.id for s in other.customers.search(other.user, "5678")) == ids
    entry = people.trail("customer.transferred")[0]
    assert entry.details == {"to": people.other_rep_id, "count": 3, "customers": ids,
                             "open_tasks": 0}
    assert entry.object_id == str(rep.user.id)


def test_searching_a_protected_value_needs_the_reveal_permission(people: People) -> None:
    rep = people.rep
    cid = rep.customers.create(rep.user, PROTECTED).id
    other_id = "11010520000101001" + id_check_char("11010520000101001")
    rep.customers.create(rep.user, person("Someone Else", sensitive={NATIONAL_ID: other_id}))
    for query in (ID, "1949 1231", MOBILE):
        found = rep.customers.search(rep.user, query)
        assert [s.id for s in found] == [cid], query
    searches = people.trail("customer.sensitive_search")
    assert len(searches) == 3 and all(e.actor_id == rep.user.id for e in searches)
    assert_no_secret(*(json.dumps(e.details) for e in searches))
    assert searches[-1].details == {"matches": 1, "query_length": len(ID)}
    auditor = people.auditor  # reads every customer, may not reveal
    assert auditor.customers.search(auditor.user, ID) == []
    assert auditor.customers.search(auditor.user, "1949 1231") == []
    assert len(people.trail("customer.sensitive_search")) == 3
    finance = people.finance
    assert [s.id for s in finance.customers.search(finance.user, ID)] == [cid]


def test_a_demoted_session_loses_its_wider_view_at_once(people: People, auth: Authenticator,
                                                        vault_path: Path) -> None:
    admin = people.admin
    rep = people.rep
    cid = rep.customers.create(rep.user, PROTECTED).id
    bob = admin.accounts.add_user(admin.user, "Bob Second", Role.ADMINISTRATOR,
                                  "second admin words 3", must_change=False)
    session = auth.login(vault_path, "Bob Second", "second admin words 3")
    try:
        assert session.customers.count(session.user) == 1
        assert [s.id for s in session.customers.search(session.user, ID)] == [cid]
        admin.accounts.set_role(admin.user, bob.id, Role.AUDITOR)
        assert session.customers.count(session.user) == 1  # auditors read all...
        assert session.customers.search(session.user, ID) == []  # ...but may not reveal
        admin.accounts.set_role(admin.user, bob.id, Role.SALES_REP)
        assert session.customers.count(session.user) == 0  # a rep sees their own
        with pytest.raises(NotFound):
            session.customers.get(session.user, cid)
    finally:
        session.close()


@pytest.mark.parametrize("hostile", ["'; DROP TABLE customers; --", "\" OR \"\"=\"",
                                     "NEAR(李娜 上海)", "李* OR 1=1", "-李娜", "city:上海",
                                     "%", "_", "\\", "ＯＲ"])
def test_injection_strings_in_search_and_filters_are_harmless(people: People,
                                                              hostile: str) -> None:
    rep = people.rep
    rep.customers.create(rep.user, PROTECTED)
    literal = rep.customers.create(rep.user, person("Literal", notes=hostile, city=hostile,
                                                    tags=(hostile,)))
    me = rep.user
    assert [s.id for s in rep.customers.page(me, CustomerFilter(city=hostile))] == [literal.id]
    assert [s.id for s in rep.customers.page(me, CustomerFilter(tag=hostile))] == [literal.id]
    assert rep.customers.count(me, CustomerFilter(city=hostile, tag=hostile)) == 1
    found = [s.id for s in rep.customers.search(me, hostile)]
    assert literal.id in found or not any(ch.isalnum() for ch in hostile)
    assert rep.customers.count(me) == 2
    with pytest.raises(InvalidInput):
        rep.customers.page(me, sort=hostile)


def test_full_width_queries_are_folded(people: People) -> None:
    rep = people.rep
    cid = rep.customers.create(rep.user, CustomerDraft(kind=CustomerKind.COMPANY,
                                                       name="Acme Trading",
                                                       status=CustomerStatus.ACTIVE)).id
    assert [s.id for s in rep.customers.search(rep.user, "ＡＣＭＥ")] == [cid]
    assert [s.id for s in rep.customers.search(rep.user, "ａｃ")] == [cid]
