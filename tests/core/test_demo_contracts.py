"""The demo vault's contracts: every state of the life cycle, both languages, approvals taken by
the demo user whose step it was (never the author), signed PDFs that verify, expiry reminders
to show, and each rep seeing only their own customers' contracts."""

from __future__ import annotations

import io
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.auth import Authenticator
from core.contracts.model import Contract, ContractEvent
from core.contracts.workflow import SIGNED_STATES, ContractState
from core.demo import DEMO_USERS, create_demo_vault
from core.demo_contracts import APPROVAL_BUDGET, PLANS, scribble_png
from core.passwords import PasswordRules
from core.roles import Role
from core.session import Session
from tests.conftest import make_authenticator

PASSWORDS = {u.name: u.password for u in DEMO_USERS}
Demo = tuple[Authenticator, Path, list[str]]
Loaded = tuple[Session, list[Contract], dict[int, list[ContractEvent]]]
STEP_ROLES = {"manager": Role.SALES_MANAGER, "finance": Role.FINANCE,
              "administrator": Role.ADMINISTRATOR}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, rules: PasswordRules) -> Iterator[Demo]:
    """The demo vault, built once (cheap KDF): its authenticator, path and progress lines."""
    auth = make_authenticator(rules)
    path = tmp_path_factory.mktemp("demo") / "vault"
    messages: list[str] = []
    create_demo_vault(auth, path, messages.append)
    yield auth, path, messages
    shutil.rmtree(path, ignore_errors=True)


def _login(demo: Demo, name: str) -> Session:
    auth, path, _messages = demo
    return auth.login(path, name, PASSWORDS[name])


@pytest.fixture(scope="module")
def contracts(demo: Demo) -> Iterator[Loaded]:
    admin = _login(demo, "admin")
    listed = admin.contracts.page(admin.user)
    full = [admin.contracts.get(admin.user, s.id) for s in listed]
    events = {c.id: admin.contracts.history(admin.user, c.id) for c in full}
    yield admin, full, events
    admin.close()


def test_every_state_and_both_languages_are_present(contracts: Loaded, demo: Demo) -> None:
    _admin, full, _events = contracts
    assert {c.state for c in full} == {s.value for s in ContractState}
    assert {c.language for c in full} == {"zh", "en"}
    assert len(full) == len(PLANS)
    # the English ones use the English template's wording
    english = [c for c in full if c.language == "en"]
    assert all(c.clauses[0].title == "Payment" for c in english)
    assert any("contract" in line.lower() for line in demo[2])  # progress was reported


def test_signed_contracts_verify_and_match_their_approved_content(contracts: Loaded) -> None:
    admin, full, _events = contracts
    signed = [c for c in full if c.state in {s.value for s in SIGNED_STATES}]
    assert len(signed) == 4
    for contract in signed:
        pdf = admin.contracts.signed_pdf(admin.user, contract.id)
        report = admin.contract_pdfs.verify(admin.user, pdf)
        assert report.ok, report.summary()
        assert len(report.signatures) == 2
        archived = admin.contracts.archived(admin.user, contract.id)
        assert archived is not None
        assert archived.fingerprint == admin.contracts.document(admin.user,
                                                                contract.id).fingerprint
        # a flipped byte in the archived copy is detected
        middle = len(pdf) // 2
        broken = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1:]
        assert not admin.contract_pdfs.verify(admin.user, broken).ok


def test_expiry_reminders_have_something_to_show(contracts: Loaded) -> None:
    admin, _full, _events = contracts
    within_30 = admin.contracts.expiring(admin.user, 30)
    within_60 = admin.contracts.expiring(admin.user, 60)
    assert within_30, "a contract should end within 30 days"
    assert len(within_60) > len(within_30)
    assert {s.state for s in within_60} <= {"signed", "active"}


def test_approvals_were_given_by_the_right_roles_never_the_author(contracts: Loaded) -> None:
    admin, full, events = contracts
    roles = {u.id: u.role for u in admin.accounts.list_users(admin.user)}
    decisions = [e for evs in events.values() for e in evs if e.action in ("approved",
                                                                          "rejected")]
    assert 0 < len(decisions) <= APPROVAL_BUDGET
    by_id = {c.id: c for c in full}
    for event in decisions:
        assert roles[event.actor_id] in (STEP_ROLES[event.step_role], Role.ADMINISTRATOR)
        assert event.actor_id != by_id[event.contract_id].author_id
    steps = {c.state: set(c.approval_steps) for c in full if c.approval_steps}
    # the deep discount and the non-standard clauses call in finance and the administrator
    assert {"finance", "administrator"} <= steps["approved"]
    assert {"finance", "administrator"} <= steps["in_review"]
    assert any(c.nonstandard_clauses for c in full if c.state == "in_review")
    assert any(c.nonstandard_clauses for c in full if c.state == "rejected")
    assert any(i.discount > Decimal("0.3") for c in full if c.state == "approved" for i in c.items)
    pending = admin.contracts.approval_progress(admin.user, next(
        c.id for c in full if c.state == "in_review"))
    assert pending.next_step == "finance" and len(pending.approved) == 1


def test_the_finance_user_finds_the_contract_waiting_for_them(demo: Demo) -> None:
    finance = _login(demo, "finance")
    try:
        waiting = finance.contracts.awaiting_approval(finance.user)
        assert [s.state for s in waiting] == ["in_review"]
    finally:
        finance.close()


def test_each_rep_sees_only_their_own_customers_contracts(demo: Demo, contracts: Loaded) -> None:
    _admin, full, _events = contracts
    authors = {c.number: c.author_id for c in full}
    for name in ("rep", "王芳"):
        session = _login(demo, name)
        try:
            seen = session.contracts.page(session.user)
            assert seen and all(authors[s.number] == session.user.id for s in seen)
            others = [c for c in full if c.author_id != session.user.id]
            for contract in others:
                with pytest.raises(Exception, match="No such contract"):
                    session.contracts.get(session.user, contract.id)
        finally:
            session.close()


def test_the_audit_chain_of_the_demo_vault_is_intact(contracts: Loaded) -> None:
    admin, _full, _events = contracts
    assert admin.audit.verify(admin.user).ok


def test_scribble_is_a_valid_seeded_png() -> None:
    png = scribble_png(7)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == scribble_png(7) != scribble_png(8)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    start = png.index(b"IDAT") + 4
    length = int.from_bytes(png[start - 8:start - 4], "big")
    raw = zlib.decompress(png[start:start + length])
    assert len(raw) == height * (1 + 4 * width)
    alphas = raw[4::4]  # not exact per row, enough to see ink and blank paper
    assert any(a == 255 for a in alphas) and any(a == 0 for a in alphas)
    pil = pytest.importorskip("PIL.Image")
    image = pil.open(io.BytesIO(png))
    assert image.size == (width, height) and image.mode == "RGBA"


def test_an_independent_checker_accepts_a_demo_signed_pdf(contracts: Loaded,
                                                          tmp_path: Path) -> None:
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf not installed")
    admin, full, _events = contracts
    active = next(c for c in full if c.state == "active")
    path = tmp_path / "active.pdf"
    path.write_bytes(admin.contracts.signed_pdf(admin.user, active.id))
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True,
                             timeout=60, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
