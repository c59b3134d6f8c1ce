"""The approval workflow through the real service: every state × action pair (a refusal changes
nothing), the author never approves, the password is asked again, steps in order, an edit voids
approvals, nothing unapproved is signed, every transition audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from core.audit import AuditFilter
from core.contracts.workflow import TRANSITIONS, Action, ContractState, IllegalTransition
from core.errors import AuthenticationFailed, InvalidInput, PermissionDenied, UnlockThrottled
from core.roles import Role
from core.session import Session
from tests.core.contract_support import PDF, World, drive, make_world, small_terms


def _do(w: World, action: Action, cid: int) -> Any:
    """The service call for `action`, made by someone entitled to make it."""
    rep = w.rep
    if action == Action.SUBMIT:
        return rep.contracts.submit(rep.user, cid)
    if action == Action.APPROVE:
        return w.manager.contracts.approve(w.manager.user, cid, w.password(w.manager))
    if action == Action.REJECT:
        return w.manager.contracts.reject(w.manager.user, cid, w.password(w.manager), "no")
    if action == Action.EDIT:
        return rep.contracts.update(rep.user, cid, small_terms(title="改过的标题"))
    if action == Action.SIGN:  # a refusal is the state's, not a mismatch or a bad PDF
        return rep.contract_pdfs.sign(rep.user, cid, "李雷", None)
    if action == Action.ACTIVATE:
        return rep.contracts.activate(rep.user, cid)
    if action == Action.COMPLETE:
        return rep.contracts.complete(rep.user, cid)
    return rep.contracts.terminate(rep.user, cid, "客户要求终止")


def test_every_state_action_pair_through_the_service(login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    admin = w.admin
    for state in ContractState:
        refused_on = drive(w, state)  # illegal actions change nothing, so one contract serves
        for action in Action:
            legal = (state, action) in TRANSITIONS
            cid = drive(w, state) if legal else refused_on
            before = admin.contracts.get(admin.user, cid)
            if not legal:
                with pytest.raises(IllegalTransition):
                    _do(w, action, cid)
                after = admin.contracts.get(admin.user, cid)
                assert after == before, (state, action)
                continue
            _do(w, action, cid)
            after = admin.contracts.get(admin.user, cid)
            expected = TRANSITIONS[state, action]
            if action == Action.APPROVE and len(before.approval_steps) > 1:
                expected = ContractState.IN_REVIEW  # one step of several
            assert after.state == expected.value, (state, action)
    assert admin.audit.verify(admin.user).ok


def test_each_transition_is_audited_with_its_history(login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.COMPLETED)
    admin = w.admin
    actions = [e.action for e in admin.audit.page(admin.user, AuditFilter(action="contract."))
               if e.object_id == str(cid)]
    assert list(reversed(actions)) == ["contract.drafted", "contract.submitted",
                                       "contract.approved", "contract.approved",
                                       "contract.signed", "contract.activated",
                                       "contract.completed"]
    history = admin.contracts.history(admin.user, cid)
    assert [(e.action, e.to_state) for e in history][-3:] == [
        ("signed", "signed"), ("activated", "active"), ("completed", "completed")]
    assert [e.step_role for e in history if e.action == "approved"] == ["manager", "finance"]


def test_the_author_cannot_approve(login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    manager = w.manager
    # The manager drafts for the rep's customer (their team's), then tries to approve it.
    own = manager.contracts.draft(manager.user, w.customer_id, small_terms())
    manager.contracts.submit(manager.user, own.id)
    with pytest.raises(PermissionDenied):
        manager.contracts.approve(manager.user, own.id, w.password(manager))
    # Nor may one who only edited someone else's draft approve it.
    cid = drive(w, ContractState.DRAFT)
    manager.contracts.edit_clause(manager.user, cid, 1, "买方应于签约后七日内付清全部价款。")
    w.rep.contracts.submit(w.rep.user, cid)
    with pytest.raises(PermissionDenied):
        manager.contracts.approve(manager.user, cid, w.password(manager))
    admin = w.admin
    denials = admin.audit.page(admin.user, AuditFilter(action="permission.denied"))
    assert [d.details.get("reason") for d in denials[:2]] == ["author", "author"]
    assert admin.contracts.get(admin.user, own.id).state == "in_review"


def test_wrong_password_is_refused_and_audited(login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.IN_REVIEW)
    manager = w.manager
    with pytest.raises(AuthenticationFailed):
        manager.contracts.reject(manager.user, cid, "wrong", "a reason")
    for wrong in ("", "not my password"):
        with pytest.raises(AuthenticationFailed):
            manager.contracts.approve(manager.user, cid, wrong)
    # Then growing delays: even the right password waits (guessing at an unattended session).
    with pytest.raises(UnlockThrottled) as info:
        manager.contracts.approve(manager.user, cid, w.password(w.admin))
    assert 0 < info.value.retry_after <= 1
    with pytest.raises(UnlockThrottled):
        manager.contracts.approve(manager.user, cid, w.password(manager))
    admin = w.admin
    assert admin.contracts.approval_progress(admin.user, cid).approved == ()
    failed = admin.audit.page(admin.user, AuditFilter(action="contract.approve_failed"))
    assert len(failed) == 2 and all(e.outcome == "failed" for e in failed)
    assert all("not my password" not in str(e.details) for e in failed)
    assert len(admin.audit.page(admin.user, AuditFilter(action="contract.reject_failed"))) == 1
    time.sleep(info.value.retry_after + 0.05)
    manager.contracts.approve(manager.user, cid, w.password(manager))
    assert len(admin.contracts.approval_progress(admin.user, cid).approved) == 1


def test_approval_order_and_one_step_per_person(login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.IN_REVIEW)
    steps = w.admin.contracts.get(w.admin.user, cid).approval_steps
    assert steps[:2] == ("manager", "finance")
    assert [c.id for c in w.manager.contracts.awaiting_approval(w.manager.user)] == [cid]
    assert w.finance.contracts.awaiting_approval(w.finance.user) == []
    finance, admin = w.finance, w.admin
    with pytest.raises(PermissionDenied):  # finance before the manager
        finance.contracts.approve(finance.user, cid, w.password(finance))
    with pytest.raises(PermissionDenied):  # a rep holds no approval permission at all
        w.rep.contracts.approve(w.rep.user, cid, w.password(w.rep))
    # An administrator may stand in for the manager, but then not take the finance step too.
    admin.contracts.approve(admin.user, cid, w.password(admin))
    with pytest.raises(PermissionDenied):
        admin.contracts.approve(admin.user, cid, w.password(admin))
    progress = admin.contracts.approval_progress(admin.user, cid)
    assert progress.next_step == "finance" and len(progress.approved) == 1
    assert [c.id for c in finance.contracts.awaiting_approval(finance.user)] == [cid]
    assert admin.contracts.awaiting_approval(admin.user) == []  # took the manager step
    finance.contracts.approve(finance.user, cid, w.password(finance), "额度内")
    assert admin.contracts.get(admin.user, cid).state == "approved"
    assert finance.contracts.awaiting_approval(finance.user) == []


def test_reject_needs_a_comment_and_keeps_it_out_of_the_trail(
        login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.IN_REVIEW)
    manager = w.manager
    with pytest.raises(InvalidInput):
        manager.contracts.reject(manager.user, cid, w.password(manager), "   ")
    manager.contracts.reject(manager.user, cid, w.password(manager), "付款期限过长，张三不同意")
    history = w.admin.contracts.history(w.admin.user, cid)
    assert history[-1].comment == "付款期限过长，张三不同意" and history[-1].to_state == "rejected"
    entry = w.admin.audit.page(w.admin.user, AuditFilter(action="contract.rejected"))[0]
    assert "张三" not in str(entry.details) and entry.details["step"] == "manager"


def test_an_edit_after_approval_returns_to_draft_and_voids_approvals(
        login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.APPROVED)
    rep, admin = w.rep, w.admin
    edited = rep.contracts.edit_clause(rep.user, cid, 4, "质量保证期为二十四个月。")
    assert edited.state == "draft" and edited.approval_steps == () and edited.risk is None
    with pytest.raises(IllegalTransition):  # nothing unapproved is signed
        rep.contracts.mark_signed(rep.user, cid, PDF,
                                  rep.contracts.document(rep.user, cid).fingerprint)
    resubmitted = rep.contracts.submit(rep.user, cid)
    assert resubmitted.review_round == 2
    # The non-standard clause now also needs the administrator's legal check.
    assert resubmitted.approval_steps[-1] == "administrator"
    assert admin.contracts.approval_progress(admin.user, cid).approved == ()
    assert any(r[0] == "nonstandard_clause" for r in resubmitted.risk.reasons)


def test_signing_needs_the_approved_content_and_a_pdf(login: Callable[[Role], Session]) -> None:
    w = make_world(login)
    cid = drive(w, ContractState.APPROVED)
    rep = w.rep
    fingerprint = rep.contracts.document(rep.user, cid).fingerprint
    with pytest.raises(InvalidInput):
        rep.contracts.mark_signed(rep.user, cid, PDF, "0" * 64)
    with pytest.raises(InvalidInput):
        rep.contracts.mark_signed(rep.user, cid, b"not a pdf", fingerprint)
    with pytest.raises(PermissionDenied):  # finance may not sign for the company
        w.finance.contracts.mark_signed(w.finance.user, cid, PDF, fingerprint)
    with pytest.raises(InvalidInput, match="did not verify"):  # an unsigned PDF is no record
        rep.contracts.mark_signed(rep.user, cid, PDF, fingerprint)
    pdf = rep.contract_pdfs.sign(rep.user, cid, "李雷", None).pdf
    signed = rep.contracts.get(rep.user, cid)
    assert signed.state == "signed" and signed.signed_at is not None
    info = rep.contracts.archived(rep.user, cid)
    assert info is not None and info.fingerprint == fingerprint and info.size == len(pdf)
    with pytest.raises(IllegalTransition):
        rep.contracts.update(rep.user, cid, small_terms(title="签后修改"))
