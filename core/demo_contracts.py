"""Demo contracts: for the demo customers, contracts in every state of the life cycle, in Chinese
and English, taken there through the real services (so the audit trail, approvals and the
signed archive are what a user would have made): a deep discount and a non-standard clause that
call in finance and the administrator, fully signed PDFs with the customer's handwriting, and
terms that end within 30 and 60 days (the expiry reminders).

Each approval re-checks the approver's password with the vault's Argon2 (about half a second
with real parameters), so the set is kept to 11 approvals; each signature costs a render and two
PDF signatures (4 signed contracts)."""

from __future__ import annotations

import itertools
import math
import random
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from core.contracts.model import (
    ClauseCategory,
    ContractTerms,
    LineItem,
    Party,
    QualificationKind,
)
from core.contracts.schedule import even_schedule
from core.customers.model import CustomerKind, CustomerSummary
from core.session import Session
from core.users import User

COMPANY = Party(name="星河数据科技有限公司", address="上海市浦东新区张江路88号星河大厦12楼",
                credit_code="91310115MA1K3XH05U", contact="赵敏", phone="021-50801234",
                email="contracts@xinghe-data.example")
VAT = Decimal("0.13")
APPROVAL_BUDGET = 12  # password checks: each costs one Argon2 run with the vault's parameters


@dataclass(frozen=True)
class Plan:
    """One demo contract: who writes it for which customer, its terms, and how far it goes."""

    key: str
    state: str
    owner: str  # the rep who owns the customer and writes the contract
    english: bool
    items: tuple[LineItem, ...]
    starts_in: int  # days from today (negative: in the past)
    months: int  # length of the term
    instalments: int = 2
    edit_clause: tuple[ClauseCategory, str] | None = None  # (category, new text)
    reject: str = ""  # the reviewer's comment, for the rejected one
    stop_after_steps: int | None = None  # in review: approvals given before stopping
    signatory: str = ""
    title: str = ""


def _item(product: str, quantity: int, price: str, discount: str = "0") -> LineItem:
    return LineItem(product, Decimal(quantity), Decimal(price), Decimal(discount), VAT)


# Customer "A" of rep gets the first contract (new customer: manager + finance), then two more
# after it is signed (a known customer: the manager alone).
PLANS: tuple[Plan, ...] = (
    Plan("A", "active", "rep", False,
         (_item("数据中台软件许可（年）", 1, "68000.00"), _item("实施服务（人天）", 20, "1500.00")),
         starts_in=-340, months=12, signatory="李建国", title="数据中台年度许可合同"),
    Plan("A", "completed", "rep", False,
         (_item("系统巡检服务", 4, "3000.00"),), starts_in=-400, months=12,
         signatory="李建国", title="系统巡检服务合同"),
    Plan("A", "terminated", "rep", False,
         (_item("培训课程（期）", 3, "8000.00"),), starts_in=-120, months=12,
         signatory="李建国", title="用户培训合同"),
    Plan("B", "signed", "王芳", True,
         (_item("Analytics platform licence (year)", 1, "52000.00"),
          _item("Onboarding workshop", 2, "4500.00")),
         starts_in=-315, months=12, signatory="Emma Clark", title="Analytics platform licence"),
    Plan("C", "approved", "王芳", False,
         (_item("数据采集终端", 40, "2600.00", "0.35"), _item("安装调试服务", 1, "12000.00")),
         starts_in=14, months=24, instalments=3, title="数据采集终端采购合同"),
    Plan("B", "rejected", "王芳", True,
         (_item("Premium support (year)", 1, "36000.00"),), starts_in=30, months=12,
         edit_clause=(ClauseCategory.LIABILITY, "The seller accepts unlimited liability for "
                      "any loss of the buyer, direct or indirect, without any cap."),
         reject="Unlimited liability is not acceptable: use the standard liability clause.",
        title="Premium support agreement"),
    Plan("D", "in_review", "rep", False,
         (_item("私有云平台建设", 1, "1180000.00"), _item("三年运维服务", 3, "60000.00")),
         starts_in=45, months=36, instalments=4,
         edit_clause=(ClauseCategory.PAYMENT, "买方于验收合格后180日内一次性支付全部合同价款。"),
         stop_after_steps=1, title="私有云平台建设合同"),
    Plan("D", "draft", "rep", False, (_item("数据治理咨询", 10, "5000.00"),),
         starts_in=60, months=6, title="数据治理咨询合同"),
    Plan("E", "draft", "王芳", True, (_item("Dashboard design (days)", 8, "2200.00"),),
         starts_in=21, months=3, title="Dashboard design services"),
)


def add_demo_contracts(session: Session, users: Mapping[str, User], passwords: Mapping[str, str],
                       now: datetime, progress: Callable[[str], None] | None = None) -> list[int]:
    """The demo contracts (see PLANS), written by the reps in the admin's `session` and approved
    and signed by the demo users whose step it is. Returns their ids."""
    admin = session.user
    session.contracts.set_company(admin, COMPANY)
    customers = _pick_customers(session, users)
    today = now.date()
    versions = {lang: session.contracts.latest_version(admin, f"sales-{lang}").id
                for lang in ("zh", "en")}
    _qualifications(session, users, customers, today)
    rng = random.Random(4)
    approvals = 0
    ids = []
    for number, plan in enumerate(PLANS, start=1):
        if progress:
            progress(f"Demo contract {number} of {len(PLANS)} ({plan.state.replace('_', ' ')})…")
        author = users[plan.owner]
        customer = customers[plan.key]
        contract = session.contracts.draft(
            author, customer.id, _terms(plan, today),
            versions["en" if plan.english else "zh"])
        ids.append(contract.id)
        if plan.edit_clause:
            category, text = plan.edit_clause
            clause = next(c for c in contract.clauses if c.category == category)
            session.contracts.edit_clause(author, contract.id, clause.position, text)
        if plan.state == "draft":
            continue
        session.contracts.submit(author, contract.id)
        if plan.reject:
            approvals += 1
            manager = users["manager"]
            session.contracts.reject(manager, contract.id, passwords["manager"], plan.reject)
            continue
        approvals += _approve(session, users, passwords, contract.id, plan.stop_after_steps)
        if plan.state in ("in_review", "approved"):
            continue
        name = plan.signatory or customer.name
        session.contract_pdfs.sign(author, contract.id, name, scribble_png(rng.randrange(1000)),
                                   at=now)
        if plan.state == "active":
            session.contracts.activate(author, contract.id, "客户已确认上线")
        elif plan.state == "completed":
            session.contracts.activate(author, contract.id)
            session.contracts.complete(author, contract.id, "服务全部交付，款项已结清")
        elif plan.state == "terminated":
            session.contracts.terminate(author, contract.id, "客户业务调整，双方协商一致解除合同")
    assert approvals <= APPROVAL_BUDGET
    return ids


def _approve(session: Session, users: Mapping[str, User], passwords: Mapping[str, str],
             contract_id: int, stop_after: int | None) -> int:
    """Each pending step by the demo user whose role it is; returns the approvals given."""
    by_step = {"manager": "manager", "finance": "finance", "administrator": "admin"}
    given = 0
    while stop_after is None or given < stop_after:
        step = session.contracts.approval_progress(session.user, contract_id).next_step
        if step is None:
            break
        name = by_step[step]
        session.contracts.approve(users[name], contract_id, passwords[name],
                                  "同意" if given % 2 == 0 else "OK")
        given += 1
    return given


def _terms(plan: Plan, today: date) -> ContractTerms:
    from core.contracts.drafting import checked_items, priced
    from core.contracts.money import totals

    start = today + timedelta(days=plan.starts_in)
    # Signed a week before the term starts; paid within 90 days of signing (the policy).
    signed_on = start - timedelta(days=7)
    end = start + timedelta(days=round(plan.months * 365 / 12) - 1)
    gross = totals(priced(checked_items(plan.items, "CNY"), "CNY"), "CNY").gross  # type: ignore[arg-type]
    label = "Instalment {n}" if plan.english else "第{n}期"
    schedule = even_schedule(gross, plan.instalments, signed_on + timedelta(days=10),
                             every_days=75 // max(plan.instalments - 1, 1), label=label)
    delivery = ("Delivery and installation at the buyer's premises within 30 days of signing."
                if plan.english else "卖方于合同签订后30日内送货至买方指定地点并完成安装调试。")
    return ContractTerms(title=plan.title, currency="CNY", items=plan.items,
                         instalments=schedule, delivery_terms=delivery,
                         contract_date=signed_on, start_date=start, end_date=end)


def _pick_customers(session: Session, users: Mapping[str, User]) -> dict[str, CustomerSummary]:
    """A (rep), D (rep): Chinese companies; B, E (王芳): English names if 王芳 has them; C (王芳):
    a Chinese company. Only customers the other rep cannot see (none shared), so that each rep
    sees their own contracts alone; falls back to any customer of the owner."""
    def visible(name: str) -> list[CustomerSummary]:
        return session.customers.page(users[name], limit=500)

    seen = {name: visible(name) for name in ("rep", "王芳")}
    picked: dict[str, CustomerSummary] = {}
    wants = {"A": ("rep", "zh"), "D": ("rep", "zh"), "C": ("王芳", "zh"), "B": ("王芳", "en"),
             "E": ("王芳", "en")}
    for key, (owner, lang) in wants.items():
        other = {c.id for name, found in seen.items() if name != owner for c in found}
        owned = [c for c in seen[owner] if c.owner_id == users[owner].id]
        mine = [c for c in owned if c.id not in other] or owned
        pool = [c for c in mine if c not in picked.values()] or mine
        fitting = [c for c in pool if c.kind == CustomerKind.COMPANY and not c.name.isascii()]
        if lang == "en":  # an English name, even one already given a contract
            fitting = [c for c in pool if c.name.isascii()] or [
                c for c in mine if c.name.isascii()]
        picked[key] = (fitting or pool)[0]
    return picked


def _qualifications(session: Session, users: Mapping[str, User],
                    customers: Mapping[str, CustomerSummary], today: date) -> None:
    """A valid business licence for A; an expired one for C (one more reason in its risk)."""
    rep, wang = users["rep"], users["王芳"]
    session.contracts.add_qualification(rep, customers["A"].id,
                                        QualificationKind.BUSINESS_LICENCE, "",
                                        today + timedelta(days=900))
    session.contracts.add_qualification(wang, customers["C"].id,
                                        QualificationKind.BUSINESS_LICENCE, "",
                                        today - timedelta(days=40))


# -- a handwritten signature without Qt or Pillow -----------------------------------------------
def scribble_png(seed: int, width: int = 240, height: int = 80) -> bytes:
    """A PNG (RGBA, transparent) of a pen scribble like a signature pad gives: a few looping
    strokes from a seeded random walk of sine waves, drawn with a round pen."""
    rng = random.Random(seed)
    ink = bytearray(width * height)
    strokes = rng.randrange(2, 4)
    x0 = 12.0
    for _ in range(strokes):
        length = rng.uniform(50, (width - 24) / strokes + 20)
        amp, freq, phase = rng.uniform(10, 24), rng.uniform(0.12, 0.3), rng.uniform(0, 6.3)
        slope = rng.uniform(-0.15, 0.15)
        points = []
        for i in range(int(length)):
            loop = 5 * math.sin(i * freq * 2.1 + phase)
            points.append((x0 + i + loop, height / 2 + amp * math.sin(i * freq + phase)
                           + slope * i))
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            _dot(ink, width, height, (ax + bx) / 2, (ay + by) / 2, 1.6)
        x0 += length + rng.uniform(4, 12)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            alpha = ink[y * width + x]
            rows += bytes((20, 30, 110, alpha))
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b""))


def _dot(ink: bytearray, width: int, height: int, cx: float, cy: float, r: float) -> None:
    for y in range(max(0, int(cy - r - 1)), min(height, int(cy + r + 2))):
        for x in range(max(0, int(cx - r - 1)), min(width, int(cx + r + 2))):
            d = math.hypot(x - cx, y - cy)
            if d <= r + 0.5:
                value = 255 if d <= r - 0.5 else int(255 * (r + 0.5 - d))
                ink[y * width + x] = max(ink[y * width + x], value)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
