"""Drafting, row-level access through the customer, the archive, amendments and renewals,
reminders, qualifications and templates, through the real service on a real vault."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter, now_utc
from core.contracts.model import (
    ClauseCategory,
    ContractFilter,
    Instalment,
    LineItem,
    Party,
    QualificationKind,
    TemplateClause,
)
from core.contracts.schedule import ScheduleInvalid
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.roles import Role
from core.session import Session
from tests.conftest import USERS
from tests.core.contract_support import PDF, drive, make_world, small_terms

Login = Callable[[Role], Session]


def test_draft_totals_clauses_and_number(login: Login) -> None:
    w = make_world(login)
    rep = w.rep
    terms = small_terms(items=(
        LineItem("工业传感器 X-200", Decimal("3"), Decimal("33.33"), Decimal("0.10"),
                 Decimal("0.13")),
        LineItem("安装调试", Decimal("1"), Decimal("10.00"), Decimal("0"), Decimal("0.06"))),
        instalments=(Instalment(date(2030, 1, 10), Decimal("112.29"), "一次付清"),))
    contract = rep.contracts.draft(rep.user, w.customer_id, terms)
    assert (contract.net, contract.tax, contract.gross) == (
        Decimal("99.99"), Decimal("12.30"), Decimal("112.29"))
    assert contract.number.startswith(f"SR-{now_utc().year}-") and len(contract.number) == 14
    assert contract.state == "draft" and contract.language == "zh"
    assert [c.category for c in contract.clauses][:2] == [ClauseCategory.PAYMENT,
                                                          ClauseCategory.DELIVERY]
    assert not contract.nonstandard_clauses
    again = rep.contracts.get(rep.user, contract.id)
    assert again == contract  # Chinese text, Decimal and dates round-trip
    second = rep.contracts.draft(rep.user, w.customer_id, small_terms())
    assert second.number != contract.number
    edited = rep.contracts.update(rep.user, contract.id, small_terms(title="新标题"))
    assert edited.state == "draft" and edited.revision == 2 and edited.title == "新标题"


def test_schedule_must_sum_to_the_gross_total(login: Login) -> None:
    w = make_world(login)
    rep = w.rep
    short = (Instalment(date(2030, 1, 10), Decimal("1130.00")),)
    with pytest.raises(ScheduleInvalid):
        rep.contracts.draft(rep.user, w.customer_id, small_terms(instalments=short))
    draft = rep.contracts.draft(rep.user, w.customer_id, small_terms(instalments=()))
    with pytest.raises(InvalidInput):  # an empty schedule may be drafted, not submitted
        rep.contracts.submit(rep.user, draft.id)
    with pytest.raises(InvalidInput):
        rep.contracts.draft(rep.user, w.customer_id, small_terms(items=(
            LineItem("x", Decimal("1"), Decimal("1.001")),)))
    with pytest.raises(InvalidInput):
        rep.contracts.draft(rep.user, w.customer_id, small_terms(items=(
            LineItem("x", Decimal("1"), Decimal("1"), Decimal("1.2")),)))


def test_edited_clause_shows_its_difference_and_is_flagged(login: Login) -> None:
    w = make_world(login)
    rep = w.rep
    cid = drive(w, ContractState.DRAFT)
    rep.contracts.edit_clause(rep.user, cid, 4, "质量保证期为自验收合格之日起二十四个月。")
    contract = rep.contracts.get(rep.user, cid)
    assert [c.position for c in contract.nonstandard_clauses] == [4]
    diffs = rep.contracts.clause_diffs(rep.user, cid)
    assert [d.nonstandard for d in diffs].count(True) == 1 and diffs[3].unified
    doc = rep.contracts.document(rep.user, cid)
    assert doc.clauses[3].nonstandard and "二十四" in doc.clauses[3].text
    reasons = rep.contracts.risk_preview(rep.user, cid).codes()
    assert "nonstandard_clause" in reasons
    rep.contracts.reset_clause(rep.user, cid, 4)
    assert not rep.contracts.get(rep.user, cid).nonstandard_clauses


def test_a_rep_cannot_reach_another_reps_contract(login: Login, auth: Any,
                                                  vault_path: Path, tmp_path: Path) -> None:
    w = make_world(login)
    admin = w.admin
    admin.accounts.add_user(admin.user, "李强", Role.SALES_REP, "另一位销售代表自己的密码 77",
                            must_change=False)
    other = auth.login(vault_path, "李强", "另一位销售代表自己的密码 77")
    try:
        cid = drive(w, ContractState.SIGNED)
        own_customer = other.customers.create(other.user, CustomerDraft(
            kind=CustomerKind.COMPANY, name="李强的客户"))
        u = other.user
        calls: list[Callable[[], Any]] = [
            lambda: other.contracts.get(u, cid),
            lambda: other.contracts.document(u, cid),
            lambda: other.contracts.history(u, cid),
            lambda: other.contracts.approval_progress(u, cid),
            lambda: other.contracts.clause_diffs(u, cid),
            lambda: other.contracts.archived(u, cid),
            lambda: other.contracts.risk_preview(u, cid),
            lambda: other.contracts.signed_pdf(u, cid),
            lambda: other.contracts.export_signed(u, cid, tmp_path / "x.pdf"),
            lambda: other.contracts.update(u, cid, small_terms()),
            lambda: other.contracts.edit_clause(u, cid, 1, "x"),
            lambda: other.contracts.submit(u, cid),
            lambda: other.contracts.activate(u, cid),
            lambda: other.contracts.terminate(u, cid, "x"),
            lambda: other.contracts.amend(u, cid),
            lambda: other.contracts.renew(u, cid),
            lambda: other.contracts.mark_signed(u, cid, PDF, "0" * 64),
            lambda: other.contracts.draft(u, w.customer_id, small_terms()),
            lambda: other.contracts.qualifications(u, w.customer_id),
            lambda: other.contracts.page(u, ContractFilter(customer_id=w.customer_id)),
        ]
        for call in calls:
            with pytest.raises(NotFound):
                call()
        assert other.contracts.page(u) == []
        assert other.contracts.expiring(u, 3650) == []
        assert not (tmp_path / "x.pdf").exists()
        # Their own customer's contracts work as usual.
        mine = other.contracts.draft(u, own_customer.id, small_terms())
        assert [c.id for c in other.contracts.page(u)] == [mine.id]
        assert cid not in {c.id for c in other.contracts.page(u, ContractFilter(text="SR-"))}
        denied = admin.audit.page(admin.user, AuditFilter(action="contract.denied"))
        assert denied and all(e.actor_name == "李强" for e in denied)
        # The manager of the owning rep sees it; finance and the auditor read it; the auditor
        # may not change or export it.
        for session in (w.manager, w.finance, w.auditor):
            assert session.contracts.document(session.user, cid).number
        with pytest.raises(PermissionDenied):
            w.auditor.contracts.signed_pdf(w.auditor.user, cid)
        with pytest.raises(PermissionDenied):
            w.auditor.contracts.draft(w.auditor.user, w.customer_id, small_terms())
    finally:
        other.close()


def test_the_archive_is_read_only_through_an_audited_export(login: Login,
                                                             tmp_path: Path) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.ACTIVE)
    finance = w.finance
    pdf = finance.contracts.signed_pdf(finance.user, cid)
    archived = finance.contracts.archived(finance.user, cid)
    assert archived is not None and hashlib.sha256(pdf).hexdigest() == archived.sha256
    assert finance.contract_pdfs.verify(finance.user, pdf).ok
    target = finance.contracts.export_signed(finance.user, cid, tmp_path / "合同.pdf")
    assert target.read_bytes() == pdf
    exported = w.admin.audit.page(w.admin.user, AuditFilter(action="contract.exported"))
    assert len(exported) == 2
    with pytest.raises(InvalidInput):  # nothing signed yet
        finance.contracts.signed_pdf(finance.user, drive(w, ContractState.APPROVED))


def test_amendments_and_renewals_are_linked_versions(login: Login) -> None:
    w = make_world(login)
    rep = w.rep
    cid = drive(w, ContractState.ACTIVE)
    original = rep.contracts.get(rep.user, cid)
    amendment = rep.contracts.amend(rep.user, cid)
    assert amendment.state == "draft" and amendment.origin_id == cid
    assert amendment.family_id == cid and amendment.version_no == 2
    assert amendment.number == f"{original.number}-V2"
    assert amendment.items == original.items and amendment.clauses == original.clauses
    renewal = rep.contracts.renew(rep.user, cid)
    assert renewal.version_no == 3 and renewal.relation == "renewal"
    assert renewal.start_date == date(2031, 1, 1) and renewal.end_date == date(2031, 12, 31)
    assert renewal.instalments[0].due == date(2031, 1, 10)
    doc = rep.contracts.document(rep.user, renewal.id)
    assert doc.origin_number == original.number
    assert rep.contracts.get(rep.user, cid).state == "active"  # the original is untouched
    with pytest.raises(InvalidInput):
        rep.contracts.amend(rep.user, amendment.id)  # a draft is edited, not amended


def test_expiring_contracts_for_reminders(login: Login) -> None:
    w = make_world(login)
    today = now_utc().date()

    def ending_in(days: int) -> int:
        start = today - timedelta(days=300)
        terms = small_terms(contract_date=start, start_date=start,
                            end_date=today + timedelta(days=days),
                            instalments=(Instalment(start, Decimal("2260.00")),))
        return drive(w, ContractState.ACTIVE, terms)

    soon, later, far = ending_in(20), ending_in(45), ending_in(90)
    rep = w.rep
    assert [c.id for c in rep.contracts.expiring(rep.user, 30)] == [soon]
    assert [c.id for c in rep.contracts.expiring(rep.user, 60)] == [soon, later]
    assert far not in {c.id for c in w.admin.contracts.expiring(w.admin.user, 60)}


def test_qualifications_feed_the_risk_assessment(login: Login) -> None:
    w = make_world(login)
    rep = w.rep
    cid = drive(w, ContractState.DRAFT)
    assert "missing_qualification" in rep.contracts.risk_preview(rep.user, cid).codes()
    rep.contracts.add_qualification(rep.user, w.customer_id, QualificationKind.BUSINESS_LICENCE,
                                    "91310000MA1FL0000X", date(2029, 6, 30))
    codes = rep.contracts.risk_preview(rep.user, cid).codes()  # contract date 2030-01-01
    assert "expired_qualification" in codes and "missing_qualification" not in codes
    rep.contracts.add_qualification(rep.user, w.customer_id, QualificationKind.BUSINESS_LICENCE,
                                    "91310000MA1FL0000X", date(2035, 6, 30))
    assert "expired_qualification" not in rep.contracts.risk_preview(rep.user, cid).codes()
    assert len(rep.contracts.qualifications(rep.user, w.customer_id)) == 2
    entry = w.admin.audit.page(w.admin.user,
                               AuditFilter(action="customer.qualification_added"))[0]
    assert "91310000" not in str(entry.details)
    with pytest.raises(PermissionDenied):
        w.finance.contracts.add_qualification(w.finance.user, w.customer_id,
                                              QualificationKind.OTHER)
    # After a first signed contract the customer is no longer new.
    drive(w, ContractState.SIGNED)
    assert "new_customer" not in rep.contracts.risk_preview(rep.user, cid).codes()


def test_submit_stores_the_risk_with_its_reasons(login: Login) -> None:
    w = make_world(login)
    rep = w.rep
    big = small_terms(items=(LineItem("整线设备", Decimal("1"), Decimal("2000000.00"),
                                      Decimal("0.35"), Decimal("0")),),
                      instalments=(Instalment(date(2030, 12, 1), Decimal("1300000.00")),))
    contract = rep.contracts.draft(rep.user, w.customer_id, big)
    submitted = rep.contracts.submit(rep.user, contract.id)
    assert submitted.risk is not None and submitted.risk.level == "high"
    codes = [r[0] for r in submitted.risk.reasons]
    assert {"large_amount", "discount", "payment_term", "new_customer"} <= set(codes)
    assert submitted.approval_steps == ("manager", "finance", "administrator")
    entry = w.admin.audit.page(w.admin.user, AuditFilter(action="contract.submitted"))[0]
    assert entry.details["risk_level"] == "high" and entry.details["gross"] == "1300000.00"


def test_templates_are_seeded_versioned_and_managed(login: Login) -> None:
    w = make_world(login)
    rep, manager = w.rep, w.manager
    templates = rep.contracts.templates(rep.user)
    assert {t.code for t in templates} == {"sales-zh", "sales-en"}
    english = next(t for t in templates if t.code == "sales-en")
    v1 = rep.contracts.template_versions(rep.user, english.id)[-1]
    assert len(v1.clauses) == 8
    library = rep.contracts.clause_library(rep.user, "en")
    assert len(library) == 8
    with pytest.raises(PermissionDenied):
        rep.contracts.add_template_version(rep.user, english.id, "X", "", v1.clauses)
    with pytest.raises(InvalidInput):
        manager.contracts.add_template_version(manager.user, english.id, "Sales Contract",
                                               "Dear {custmer_name}", v1.clauses)
    old = rep.contracts.draft(rep.user, w.customer_id, small_terms(), v1.id)
    assert old.language == "en"
    clauses = (*v1.clauses, TemplateClause(ClauseCategory.OTHER, "Export control",
                                           "The Buyer complies with export control law."))
    v2 = manager.contracts.add_template_version(manager.user, english.id, "Sales Contract",
                                                v1.preamble, clauses)
    assert v2.version == 2
    new = rep.contracts.draft(rep.user, w.customer_id, small_terms(), v2.id)
    assert len(new.clauses) == 9 and len(rep.contracts.get(rep.user, old.id).clauses) == 8
    saved = manager.contracts.save_standard_clause(manager.user, "payment", "en",
                                                   ClauseCategory.PAYMENT, "Payment",
                                                   "Payment within 30 days of invoice.")
    assert saved.version == 2
    assert len(rep.contracts.clause_library(rep.user, "en")) == 8


def test_document_is_complete_and_has_no_protected_field(login: Login) -> None:
    w = make_world(login)
    admin = w.admin
    admin.contracts.set_company(admin.user, Party(name="北京强盾软件有限公司",
                                                  address="北京市海淀区中关村大街1号",
                                                  credit_code="91110108MA00000000"))
    rep_id = next(u.id for u in admin.accounts.list_users(admin.user)
                  if u.name == USERS[Role.SALES_REP][0])
    customer = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name="张伟", sensitive={"national_id": "11010519491231002X"}),
        owner_id=rep_id)
    rep = w.rep
    contract = rep.contracts.draft(rep.user, customer.id, small_terms())
    doc = rep.contracts.document(rep.user, contract.id)
    assert doc.seller.name == "北京强盾软件有限公司" and doc.buyer.name == "张伟"
    assert "北京强盾软件有限公司" in doc.preamble and contract.number in doc.preamble
    assert doc.unknown_variables == () and len(doc.lines) == 1 and doc.gross == Decimal("2260.00")
    assert "11010519491231002X" not in repr(doc)
    assert len(doc.fingerprint) == 64
    assert rep.contracts.document(rep.user, contract.id).fingerprint == doc.fingerprint
    rep.contracts.update(rep.user, contract.id, small_terms(delivery_terms="自提"))
    assert rep.contracts.document(rep.user, contract.id).fingerprint != doc.fingerprint


INJECTION = ["'; DROP TABLE contracts; --", "\" OR 1=1 --", "%", "_", "\\", "SR-%' OR '1'='1"]


def test_injection_strings_are_plain_text(login: Login) -> None:
    w = make_world(login)
    rep = w.rep
    cid = drive(w, ContractState.DRAFT)
    for text in INJECTION:
        assert rep.contracts.page(rep.user, ContractFilter(text=text)) == []
        assert rep.contracts.page(rep.user, ContractFilter(state=text)) == []
    evil = small_terms(title=INJECTION[0], delivery_terms=INJECTION[1], items=(
        LineItem(INJECTION[0], Decimal("2"), Decimal("1000.00"), Decimal("0"),
                 Decimal("0.13")),))
    made = rep.contracts.draft(rep.user, w.customer_id, evil)
    rep.contracts.edit_clause(rep.user, made.id, 1, INJECTION[5])
    again = rep.contracts.get(rep.user, made.id)
    assert again.title == INJECTION[0] and again.items[0].product == INJECTION[0]
    assert again.clauses[0].text == INJECTION[5]
    assert {c.id for c in rep.contracts.page(rep.user)} == {cid, made.id}
    assert [c.id for c in rep.contracts.page(rep.user, ContractFilter(text="DROP"))] == [made.id]


def test_a_customer_with_contracts_is_the_one_a_merge_keeps(login: Any) -> None:
    w = make_world(login)
    other = w.admin.customers.create(w.admin.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="上海明珠贸易公司", city="上海"),
        owner_id=w.rep.user.id).id
    made = w.rep.contracts.draft(w.rep.user, w.customer_id, small_terms())
    w.admin.contracts.add_qualification(w.admin.user, other, QualificationKind.BUSINESS_LICENCE,
                                        "LIC-1")
    with pytest.raises(InvalidInput, match="has contracts"):
        w.rep.customers.merge(w.rep.user, other, w.customer_id)
    assert w.rep.contracts.get(w.rep.user, made.id).customer_id == w.customer_id
    w.rep.customers.merge(w.rep.user, w.customer_id, other)
    assert w.rep.contracts.get(w.rep.user, made.id).customer_id == w.customer_id
    # The removed record's qualification documents follow it into the kept one.
    assert [q.number for q in w.admin.contracts.qualifications(w.admin.user, w.customer_id)
            ] == ["LIC-1"]
