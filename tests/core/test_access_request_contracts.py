"""The PIPL access request covers the customer's contracts and qualification documents: what
was agreed with the subject (numbers, titles, states, dates, totals with their currency, clause
titles) and the documents held about them, in clear as stored, and nothing of another
customer's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.audit import AuditFilter
from core.contracts.model import QualificationKind
from core.contracts.workflow import ContractState
from core.customers.model import CustomerDraft, CustomerKind
from tests.core.contract_support import approve_all, make_world, small_terms

ID_NUMBER = "11010519491231002X"


def test_the_access_request_lists_contracts_and_qualifications(login: Any,
                                                                tmp_path: Path) -> None:
    w = make_world(login)
    admin, rep = w.admin, w.rep
    person = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name="赵敏", city="北京"), owner_id=rep.user.id).id
    signed = rep.contracts.draft(rep.user, person, small_terms(title="家庭维护合同")).id
    rep.contracts.submit(rep.user, signed)
    approve_all(w, signed)
    rep.contract_pdfs.sign(rep.user, signed, "赵敏", None)
    draft = rep.contracts.draft(rep.user, person, small_terms(title="续约草稿", currency="USD"))
    rep.contracts.add_qualification(rep.user, person, QualificationKind.ID_DOCUMENT, ID_NUMBER)
    # Another customer's contract and document stay out.
    rep.contracts.draft(rep.user, w.customer_id, small_terms(title="别人的合同"))
    rep.contracts.add_qualification(rep.user, w.customer_id,
                                    QualificationKind.BUSINESS_LICENCE, "91310000MA1FL0XXXX")

    out = tmp_path / "access.json"
    counts = admin.subject_rights.access_request(admin.user, person, out)
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    contracts = document["contracts"]
    assert [c["title"] for c in contracts] == ["家庭维护合同", "续约草稿"]
    first, second = contracts
    number = rep.contracts.get(rep.user, signed).number
    assert (first["number"], first["state"]) == (number, ContractState.SIGNED.value)
    assert (first["currency"], first["net"], first["tax"], first["gross"]) == (
        "CNY", "2000.00", "260.00", "2260.00")
    assert first["contract_date"] == "2030-01-01" and first["end_date"] == "2030-12-31"
    assert first["signed_at"] and first["items"][0]["product"] == "服务器维护服务"
    assert [i["amount"] for i in first["instalments"]] == ["1130.00", "1130.00"]
    titles = [c.title for c in rep.contracts.get(rep.user, signed).clauses]
    assert first["clauses"] == titles and titles
    assert (second["number"], second["state"], second["currency"]) == (
        draft.number, "draft", "USD")
    (held,) = document["qualifications"]
    assert held["kind"] == "id_document" and held["number"] == ID_NUMBER  # the subject's own
    for foreign in ("别人的合同", "91310000MA1FL0XXXX"):
        assert foreign not in text
    assert counts["contracts"] == 2 and counts["qualifications"] == 1
    (entry,) = admin.audit.page(admin.user, AuditFilter(action="privacy.access_exported"))
    assert ID_NUMBER not in json.dumps(entry.details) and "家庭" not in json.dumps(entry.details)


def test_a_customer_without_contracts_gets_empty_lists(login: Any, tmp_path: Path) -> None:
    w = make_world(login)
    admin = w.admin
    out = tmp_path / "access.json"
    counts = admin.subject_rights.access_request(admin.user, w.customer_id, out)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["contracts"] == [] and document["qualifications"] == []
    assert counts["contracts"] == 0 and counts["qualifications"] == 0
