"""What stands between an approved contract and its legal record: only a PDF whose signatures
verify is archived (and nothing is archived when no check is wired), the content signed is the
content every approver saw (parties included, which are read live), an anonymised customer's
contract goes no further, and reminder look-ups take any day count without crashing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.contracts.approvals import ANONYMISED, CHANGED_AFTER_APPROVAL
from core.contracts.model import Instalment, LineItem, Party
from core.contracts.service import ContractService
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import InvalidInput
from tests.core.contract_support import PDF, approve_all, drive, make_world, small_terms

CHANGED = "customer or company details changed after approval"


@pytest.fixture
def world(login: Any) -> Any:
    return make_world(login)


def _rename_customer(w: Any, name: str) -> None:
    rep = w.rep
    view = rep.customers.get(rep.user, w.customer_id)
    rep.customers.update(rep.user, w.customer_id, CustomerDraft(
        kind=CustomerKind.COMPANY, name=name, city=view.city, address=view.address),
        view.version)


# -- the signed document check -----------------------------------------------------------------
def test_only_a_verifying_pdf_becomes_the_record_and_the_check_cannot_be_swapped(
        world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    fp = rep.contracts.document(rep.user, cid).fingerprint
    rendered = rep.contract_pdfs.render(rep.user, cid).pdf  # a real contract PDF, unsigned
    for unsigned in (PDF, rendered):
        with pytest.raises(InvalidInput, match="did not verify"):
            rep.contracts.mark_signed(rep.user, cid, unsigned, fp)
    with pytest.raises(InvalidInput):
        rep.contracts.set_signed_document_check(lambda pdf: [])
    with pytest.raises(InvalidInput, match="did not verify"):
        rep.contracts.mark_signed(rep.user, cid, PDF, fp)
    assert rep.contracts.archived(rep.user, cid) is None
    signed = rep.contract_pdfs.sign(rep.user, cid, "李雷", None)
    assert rep.contracts.get(rep.user, cid).state == ContractState.SIGNED
    assert rep.contracts.archived(rep.user, cid).sha256 != ""  # type: ignore[union-attr]
    assert rep.contract_pdfs.verify(rep.user, signed.pdf).ok


def test_a_service_wired_without_a_check_archives_nothing(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    bare = ContractService(rep._store, rep._guard, rep._ctx.clock, rep.bus, rep.customers,
                           rep._keys)
    good = rep.contract_pdfs.render(rep.user, cid).pdf
    fp = rep.contracts.document(rep.user, cid).fingerprint
    with pytest.raises(InvalidInput, match="cannot be checked"):
        bare.mark_signed(rep.user, cid, good, fp)
    assert rep.contracts.get(rep.user, cid).state == ContractState.APPROVED


# -- approval covers the printed content ---------------------------------------------------------
def test_a_company_change_after_approval_needs_a_new_review(world: Any) -> None:
    rep, admin = world.rep, world.admin
    cid = drive(world, ContractState.APPROVED)
    admin.contracts.set_company(admin.user, Party(name="换了名字的卖方公司", address="深圳"))
    with pytest.raises(InvalidInput, match=CHANGED):
        rep.contract_pdfs.sign(rep.user, cid, "李雷", None)
    fp = rep.contracts.document(rep.user, cid).fingerprint
    with pytest.raises(InvalidInput, match=CHANGED):
        rep.contracts.mark_signed(rep.user, cid, PDF, fp)
    assert CHANGED_AFTER_APPROVAL.startswith("The " + CHANGED)
    assert rep.contracts.archived(rep.user, cid) is None
    # Submitted again (an edit returns it to draft) and approved, it signs.
    rep.contracts.update(rep.user, cid, small_terms())
    rep.contracts.submit(rep.user, cid)
    approve_all(world, cid)
    rep.contract_pdfs.sign(rep.user, cid, "李雷", None)
    archived = rep.contracts.archived(rep.user, cid)
    assert archived is not None
    assert archived.fingerprint == rep.contracts.document(rep.user, cid).fingerprint


def test_a_customer_renamed_between_two_approval_steps_is_not_approved(world: Any) -> None:
    big = small_terms(
        items=(LineItem("大型设备", Decimal("1"), Decimal("200000.00"), Decimal("0"),
                        Decimal("0")),),
        instalments=(Instalment(date(2030, 1, 10), Decimal("200000.00"), "全款"),))
    cid = drive(world, ContractState.IN_REVIEW, big)
    manager, finance = world.manager, world.finance
    manager.contracts.approve(manager.user, cid, world.password(manager))
    _rename_customer(world, "半路改名的公司")
    with pytest.raises(InvalidInput, match=CHANGED):
        finance.contracts.approve(finance.user, cid, world.password(finance))
    progress = world.admin.contracts.approval_progress(world.admin.user, cid)
    assert [a.step_role for a in progress.approved] == ["manager"]
    assert world.rep.contracts.get(world.rep.user, cid).state == ContractState.IN_REVIEW


def test_each_approval_records_the_fingerprint_it_approved(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.APPROVED)
    fp = rep.contracts.document(rep.user, cid).fingerprint
    approvals = [e for e in rep.contracts.history(rep.user, cid) if e.action == "approved"]
    assert approvals and all(e.fingerprint == fp for e in approvals)


# -- anonymised customers ----------------------------------------------------------------------
def _person_contract(w: Any) -> tuple[int, int]:
    admin, rep = w.admin, w.rep
    person = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name="赵敏", city="北京"), owner_id=rep.user.id)
    return person.id, rep.contracts.draft(rep.user, person.id, small_terms()).id


def test_an_anonymised_customers_contract_is_not_submitted_approved_or_signed(
        world: Any) -> None:
    rep, admin, manager = world.rep, world.admin, world.manager
    person, to_submit = _person_contract(world)
    to_approve = rep.contracts.draft(rep.user, person, small_terms()).id
    to_sign = rep.contracts.draft(rep.user, person, small_terms()).id
    rep.contracts.submit(rep.user, to_approve)
    rep.contracts.submit(rep.user, to_sign)
    approve_all(world, to_sign)
    fp = rep.contracts.document(rep.user, to_sign).fingerprint
    admin.subject_rights.anonymise(admin.user, person, "erasure request")
    with pytest.raises(InvalidInput, match="anonymised"):
        rep.contracts.submit(rep.user, to_submit)
    with pytest.raises(InvalidInput, match="anonymised"):
        manager.contracts.approve(manager.user, to_approve, world.password(manager))
    with pytest.raises(InvalidInput, match="anonymised"):
        rep.contracts.mark_signed(rep.user, to_sign, PDF, fp)
    with pytest.raises(InvalidInput, match="anonymised"):
        rep.contract_pdfs.sign(rep.user, to_sign, "赵敏", None)
    states = [rep.contracts.get(rep.user, c).state for c in (to_submit, to_approve, to_sign)]
    assert states == ["draft", "in_review", "approved"]
    assert rep.contracts.archived(rep.user, to_sign) is None
    assert "anonymised" in ANONYMISED
    # A rejection (taking it out of the workflow) is still possible.
    manager.contracts.reject(manager.user, to_approve, world.password(manager), "客户已注销")


# -- reminders -----------------------------------------------------------------------------------
def test_expiring_takes_any_day_count(world: Any) -> None:
    rep = world.rep
    cid = drive(world, ContractState.SIGNED)  # ends 2030-12-31, within ten years
    u = rep.user
    for days in (10**9, 2**63, 10**400, 3650):
        assert [s.id for s in rep.contracts.expiring(u, days)] == [cid]
    assert rep.contracts.expiring(u, -(10**400)) == []
    assert rep.contracts.expiring(u, 0) == []
    for bad in (float("inf"), float("nan"), "soon", None):
        with pytest.raises(InvalidInput):
            rep.contracts.expiring(u, bad)  # type: ignore[arg-type]
