"""PIPL duties (issue 3 point 3): collected fields and custom fields, consent records, the access
request, anonymisation that leaves no trace in the database file, and the retention list."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.audit import AuditFilter, now_utc
from core.audit_personal import ERASED
from core.auth import Authenticator
from core.customers.collected import OPTIONAL_FIELDS, CustomField, as_draft
from core.customers.interactions import InteractionKind
from core.customers.model import NATIONAL_ID, PERSONAL_MOBILE, Contact, CustomerDraft, CustomerKind
from core.customers.validate import CustomerInvalid
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.roles import Role
from core.session import Session
from tests.conftest import USERS
from tests.storage.rawvault import db_path, raw_connect

OTHER_REP = ("Olga Other", "other rep pass phrase 9")
NAME = "张伟明 Weiming Zhang"
PHONE = "13812345678"
CONTACT_PHONE = "13987654321"
ID_NUMBER = "11010519491231002X"
EMAIL = "weiming.zhang@example.cn"
SUMMARY = "Discussed the Shenzhen warehouse lease"
OUTCOME = "Agreed to a quotation"
NEXT_STEP = "Send revised pricing"
TASK = "Phone Weiming about lease"
WECHAT = "wx_weiming_88"


def _person(name: str = NAME, **extra: Any) -> CustomerDraft:
    values: dict[str, Any] = {
        "kind": CustomerKind.INDIVIDUAL, "name": name, "phones": (PHONE,), "email": EMAIL,
        "address": "88 Jianguo Road, Chaoyang", "city": "北京", "notes": "prefers mornings",
        "contacts": (Contact(name="Lihua Assistant", phone=CONTACT_PHONE),),
        "sensitive": {NATIONAL_ID: ID_NUMBER}}
    values.update(extra)
    return CustomerDraft(**values)


def _other_rep(admin: Session) -> int:
    return admin.accounts.add_user(admin.user, OTHER_REP[0], Role.SALES_REP, OTHER_REP[1],
                                   must_change=False).id


def _actions(admin: Session, prefix: str) -> list[Any]:
    return admin.audit.page(admin.user, AuditFilter(action=prefix))


# -- minimisation and custom fields --------------------------------------------------------------
def test_fields_not_collected_are_refused_with_a_clear_message(admin_session: Session) -> None:
    admin = admin_session
    held = admin.customers.create(admin.user, _person("Held Before"))
    admin.privacy.set_fields(admin.user, set(OPTIONAL_FIELDS) - {"email", NATIONAL_ID},
                             [CustomField("wechat", "WeChat ID", sensitive=True),
                              CustomField("hobby", "Hobby")])
    with pytest.raises(CustomerInvalid) as info:
        admin.customers.create(admin.user, _person("New One"))
    assert {e.field for e in info.value.errors} == {"email", NATIONAL_ID}
    assert "does not collect" in str(info.value)
    # Values already held and left alone do not block an edit; new ones are refused.
    edited = admin.customers.update(admin.user, held.id, _person("Held Renamed"), held.version)
    assert edited.name == "Held Renamed" and edited.email == EMAIL
    with pytest.raises(CustomerInvalid):
        admin.customers.update(admin.user, held.id,
                               _person("Held Renamed", email="new@example.cn"), edited.version)
    made = admin.customers.create(admin.user, _person(
        "Custom One", email="", sensitive={"wechat": WECHAT}, custom={"hobby": "chess"}))
    assert made.custom == {"hobby": "chess"}
    assert made.sensitive["wechat"] != WECHAT and "*" in made.sensitive["wechat"]
    assert admin.customers.reveal(admin.user, made.id, "wechat", "checking") == WECHAT
    fields = admin.privacy.fields()
    assert fields.custom["wechat"] == CustomField("wechat", "WeChat ID", True)
    assert "email" not in fields.collected
    assert _actions(admin, "config.changed")[0].object_id == "customer_fields"


def test_an_import_drops_the_columns_of_fields_not_collected(admin_session: Session,
                                                            tmp_path: Path) -> None:
    admin = admin_session
    admin.privacy.set_fields(admin.user, set(OPTIONAL_FIELDS) - {"email", "contacts"})
    path = tmp_path / "in.csv"
    path.write_text("名称,邮箱,手机,联系人\nImport Person,ip@example.cn,13800000099,Bob Helper\n",
                    encoding="utf-8")
    preview = admin.customer_import.preview(admin.user, path)
    assert "邮箱 (not collected in this vault)" in preview.ignored_columns
    report = admin.customer_import.run(admin.user, path)
    assert report.imported == 1, report
    assert "联系人 (not collected in this vault)" in report.ignored_columns
    (found,) = admin.customers.search(admin.user, "Import Person")
    made = admin.customers.get(admin.user, found.id)
    assert (made.email, made.contacts, made.phones) == ("", (), ("13800000099",))


def test_custom_field_definitions_are_checked(admin_session: Session) -> None:
    admin = admin_session
    for bad in (CustomField("Bad Key", "x"), CustomField("email", "E-mail"),
                CustomField("ok_key", "  ")):
        with pytest.raises(InvalidInput):
            admin.privacy.set_fields(admin.user, OPTIONAL_FIELDS, [bad])
    with pytest.raises(InvalidInput):
        admin.privacy.set_fields(admin.user, ["shoe_size"])
    assert admin.privacy.fields().custom == {}


# -- consent ----------------------------------------------------------------------------------
def test_consent_is_recorded_withdrawn_and_kept(login: Any) -> None:
    rep: Session = login(Role.SALES_REP)
    customer = rep.customers.create(rep.user, _person())
    given = now_utc() - timedelta(days=3)
    consent = rep.privacy.record_consent(rep.user, customer.id, "marketing calls",
                                         "phone, WeChat", given)
    assert consent.active and consent.given_at == given and consent.recorded_by == rep.user.id
    withdrawn = rep.privacy.withdraw_consent(rep.user, customer.id, consent.id)
    assert not withdrawn.active and withdrawn.withdrawn_by == rep.user.id
    with pytest.raises(InvalidInput):
        rep.privacy.withdraw_consent(rep.user, customer.id, consent.id)
    listed = rep.privacy.consents(rep.user, customer.id)
    assert [(c.id, c.purpose, c.active) for c in listed] == [(consent.id, "marketing calls",
                                                              False)]
    with pytest.raises(InvalidInput):
        rep.privacy.record_consent(rep.user, customer.id, "  ")
    admin: Session = login(Role.ADMINISTRATOR)
    assert [e.action for e in _actions(admin, "consent.")] == ["consent.withdrawn",
                                                               "consent.recorded"]
    # Finance reads every customer but may not record consent.
    finance: Session = login(Role.FINANCE)
    assert len(finance.privacy.consents(finance.user, customer.id)) == 1
    with pytest.raises(PermissionDenied):
        finance.privacy.record_consent(finance.user, customer.id, "marketing")


def test_a_merge_keeps_the_removed_records_consents(admin_session: Session) -> None:
    admin = admin_session
    keep = admin.customers.create(admin.user, _person("Merge Keep"))
    gone = admin.customers.create(admin.user, _person("Merge Gone", phones=(), email="",
                                                      contacts=(), sensitive={}))
    consent = admin.privacy.record_consent(admin.user, gone.id, "newsletter")
    admin.privacy.withdraw_consent(admin.user, gone.id, consent.id)
    admin.customers.merge(admin.user, keep.id, gone.id)
    (moved,) = admin.privacy.consents(admin.user, keep.id)
    assert (moved.id, moved.purpose, moved.active) == (consent.id, "newsletter", False)


def test_a_rep_can_do_none_of_this_for_another_reps_customer(login: Any, tmp_path: Path) -> None:
    admin: Session = login(Role.ADMINISTRATOR)
    theirs = admin.customers.create(admin.user, _person(), owner_id=_other_rep(admin)).id
    consent = admin.privacy.record_consent(admin.user, theirs, "service updates")
    rep: Session = login(Role.SALES_REP)
    for attempt in (lambda: rep.privacy.record_consent(rep.user, theirs, "marketing"),
                    lambda: rep.privacy.withdraw_consent(rep.user, theirs, consent.id),
                    lambda: rep.privacy.consents(rep.user, theirs)):
        with pytest.raises(NotFound):
            attempt()
    for attempt in (lambda: rep.subject_rights.access_request(rep.user, theirs,
                                                              tmp_path / "out.json"),
                    lambda: rep.subject_rights.anonymise(rep.user, theirs, "asked to"),
                    lambda: rep.privacy.due_for_anonymisation(rep.user),
                    lambda: rep.privacy.set_retention_years(rep.user, 1),
                    lambda: rep.privacy.set_fields(rep.user, ())):
        with pytest.raises(PermissionDenied):
            attempt()
    assert len(_actions(admin, "customer.denied")) == 3
    assert len(_actions(admin, "permission.denied")) == 5
    assert not (tmp_path / "out.json").exists()
    assert admin.customers.get(admin.user, theirs).name == NAME
    assert admin.privacy.consents(admin.user, theirs)[0].active


# -- access request ---------------------------------------------------------------------------
def _history(session: Session, customer_id: int) -> None:
    session.interactions.log(session.user, customer_id, InteractionKind.VISIT,
                             now_utc() - timedelta(hours=2), SUMMARY, OUTCOME, NEXT_STEP,
                             (TASK, now_utc() + timedelta(days=2)))


def test_access_request_holds_everything_about_one_customer_and_nothing_else(
        login: Any, tmp_path: Path) -> None:
    admin: Session = login(Role.ADMINISTRATOR)
    admin.privacy.set_fields(admin.user, OPTIONAL_FIELDS, [CustomField("wechat", "WeChat ID",
                                                                       sensitive=True)])
    rep_id = admin.accounts.find(admin.user, USERS[Role.SALES_REP][0]).id
    subject = admin.customers.create(admin.user, _person(sensitive={
        NATIONAL_ID: ID_NUMBER, "wechat": WECHAT}))
    other = admin.customers.create(admin.user, CustomerDraft(
        kind=CustomerKind.INDIVIDUAL, name="Unrelated Person", phones=("13700001111",),
        sensitive={PERSONAL_MOBILE: "13600002222"}))
    _history(admin, subject.id)
    admin.interactions.log(admin.user, other.id, InteractionKind.CALL, now_utc(),
                           "Other customer's secret call")
    admin.privacy.record_consent(admin.user, subject.id, "marketing calls", "phone")
    admin.customers.set_shared(admin.user, subject.id, rep_id, True)
    out = tmp_path / "access.json"
    counts = admin.subject_rights.access_request(admin.user, subject.id, out)
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    record = document["customer"]
    assert record["name"] == NAME and record["phones"] == [PHONE]
    assert record["sensitive"] == {NATIONAL_ID: ID_NUMBER, "wechat": WECHAT}  # in clear
    assert document["contacts"][0]["phone"] == CONTACT_PHONE
    assert [c["purpose"] for c in document["consents"]] == ["marketing calls"]
    (visit,) = document["interactions"]
    assert (visit["summary"], visit["outcome"], visit["next_step"]) == (SUMMARY, OUTCOME,
                                                                       NEXT_STEP)
    assert [t["title"] for t in document["tasks"]] == [TASK]
    assert document["shared_with"] == [{"id": rep_id, "name": USERS[Role.SALES_REP][0]}]
    assert "customer.created" in {e["action"] for e in document["audit"]}
    for foreign in ("Unrelated Person", "13700001111", "13600002222", "secret call"):
        assert foreign not in text
    assert counts["interactions"] == 1 and counts["consents"] == 1
    (entry,) = _actions(admin, "privacy.access_exported")
    assert entry.object_id == str(subject.id)
    assert ID_NUMBER not in json.dumps(entry.details) and NAME not in json.dumps(entry.details)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".access-")]


# -- anonymisation ----------------------------------------------------------------------------
def _decrypted_pages(path: Path, key_hex: str) -> bytes:
    """Every page of a SQLCipher 4 file decrypted (AES-256-CBC with the raw key and each
    page's IV from its reserved tail), free pages included: what is left in the file, not
    only what a query can reach."""
    ciphers = pytest.importorskip("cryptography.hazmat.primitives.ciphers")
    key = bytes.fromhex(key_hex)
    raw = path.read_bytes()
    page, reserve = 4096, 80
    out = bytearray()
    for start in range(0, len(raw), page):
        chunk = raw[start:start + page]
        body_from = 16 if start == 0 else 0  # page 1 begins with the salt
        iv = chunk[page - reserve:page - reserve + 16]
        decryptor = ciphers.Cipher(ciphers.algorithms.AES(key), ciphers.modes.CBC(iv)).decryptor()
        out += decryptor.update(chunk[body_from:page - reserve]) + decryptor.finalize()
    return bytes(out)


def _snapshot(admin: Session, vault: Path) -> tuple[bytes, str]:
    key = admin.vault.export_key(admin.user)
    admin.close()  # the last connection checkpoints the WAL into the file
    conn = raw_connect(db_path(vault), key)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()
    wal = Path(str(db_path(vault)) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    return _decrypted_pages(db_path(vault), key), key


TRACES = (PHONE, CONTACT_PHONE, ID_NUMBER, EMAIL, "weiming", "Jianguo", "Lihua", SUMMARY,
          OUTCOME, NEXT_STEP, TASK, WECHAT, "prefers mornings")


def test_the_decryption_helper_sees_live_customer_text(auth: Authenticator, vault_path: Path
                                                       ) -> None:
    """A control for the test below: before anonymising, the values are found."""
    admin = auth.login(vault_path, "Alice Admin", "correct horse battery staple")
    made = admin.customers.create(admin.user, _person())
    _history(admin, made.id)
    plain, _key = _snapshot(admin, vault_path)
    assert PHONE.encode() in plain and SUMMARY.encode() in plain and TASK.encode() in plain


def test_anonymising_leaves_no_trace_but_keeps_the_record_and_its_history(
        auth: Authenticator, vault_path: Path, login: Any) -> None:
    admin: Session = login(Role.ADMINISTRATOR)
    admin.privacy.set_fields(admin.user, OPTIONAL_FIELDS, [CustomField("wechat", "WeChat ID",
                                                                       sensitive=True)])
    owner = _other_rep(admin)
    made = admin.customers.create(admin.user, _person(sensitive={
        NATIONAL_ID: ID_NUMBER, "wechat": WECHAT}), owner_id=owner)
    _history(admin, made.id)
    admin.privacy.record_consent(admin.user, made.id, "marketing calls")
    before = admin.interactions.timeline(admin.user, made.id)
    tasks_before = admin.interactions.tasks_for(admin.user, made.id)
    with pytest.raises(InvalidInput):
        admin.subject_rights.anonymise(admin.user, made.id, " ")
    admin.subject_rights.anonymise(admin.user, made.id, "subject asked for erasure")
    after = admin.customers.get(admin.user, made.id)
    assert after.anonymised and after.name == f"Customer #{made.id}" and after.owner_id == owner
    assert (after.phones, after.email, after.contacts, after.sensitive, after.notes) == (
        (), "", (), {}, "")
    timeline = admin.interactions.timeline(admin.user, made.id)
    assert [(i.id, i.at, i.kind) for i in timeline] == [(i.id, i.at, i.kind) for i in before]
    assert all(SUMMARY not in i.summary and not i.outcome for i in timeline)
    tasks = admin.interactions.tasks_for(admin.user, made.id)
    assert [(t.id, t.due) for t in tasks] == [(t.id, t.due) for t in tasks_before]
    assert admin.customers.search(admin.user, "Weiming") == []
    assert admin.customers.search(admin.user, PHONE[3:9]) == []
    assert [c.id for c in admin.customers.search(admin.user, f"Customer #{made.id}")] == [
        made.id]
    assert admin.privacy.consents(admin.user, made.id)  # the record of consent stays
    with pytest.raises(InvalidInput):
        admin.subject_rights.anonymise(admin.user, made.id, "again")
    (entry,) = _actions(admin, "customer.anonymised")
    assert entry.details["reason"] == "subject asked for erasure"
    assert admin.audit.verify(admin.user).ok
    # The trail keeps every entry, but the personal details in them are erased with the
    # subject's key (crypto-shredding), and the chain still verifies.
    (created,) = [e for e in _actions(admin, "customer.created") if e.object_id == str(made.id)]
    assert created.details["personal"] == ERASED and "name" not in created.details
    plain, key = _snapshot(admin, vault_path)
    for trace in (*TRACES, "张伟明", "Weiming", "Zhang"):
        assert trace.encode() not in plain, trace
    conn = raw_connect(db_path(vault_path), key)
    try:
        for trace in ("张伟明", "Weiming", "prefers mornings"):
            assert _tables_holding(conn, trace) == set(), trace
    finally:
        conn.close()


def test_the_trail_seals_personal_details_and_shows_them_while_the_customer_exists(
        login: Any, vault_path: Path) -> None:
    admin: Session = login(Role.ADMINISTRATOR)
    made = admin.customers.create(admin.user, _person())
    view = admin.customers.get(admin.user, made.id)
    admin.customers.update(admin.user, made.id, dataclasses.replace(
        as_draft(view.customer), notes="moved to Hangzhou"), view.customer.version)
    (created,) = [e for e in _actions(admin, "customer.created") if e.object_id == str(made.id)]
    assert created.details["name"] == made.name
    (updated,) = [e for e in _actions(admin, "customer.updated") if e.object_id == str(made.id)]
    assert updated.details["notes"]["after"] == "moved to Hangzhou"
    assert updated.details["fields"] == ["notes"]
    key = admin.vault.export_key(admin.user)
    conn = raw_connect(db_path(vault_path), key)
    try:  # stored sealed: the table holds no name, only ciphertext under the subject's key
        assert "audit_log" not in _tables_holding(conn, made.name)
        assert "audit_log" not in _tables_holding(conn, "moved to Hangzhou")
    finally:
        conn.close()
    admin.subject_rights.anonymise(admin.user, made.id, "retention ended")
    for action in ("customer.created", "customer.updated"):
        (entry,) = [e for e in _actions(admin, action) if e.object_id == str(made.id)]
        assert entry.details["personal"] == ERASED
    assert "notes" in updated.details["fields"]
    assert admin.audit.verify(admin.user).ok


def _tables_holding(conn: Any, needle: str) -> set[str]:
    found = set()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info(\"{table}\")")]
        for column in columns:
            # Names read from sqlite_master, not input.
            sql = f'SELECT 1 FROM "{table}" WHERE instr(CAST("{column}" AS BLOB), ?)'  # noqa: S608
            hit = conn.execute(sql + " LIMIT 1", (needle.encode(),)).fetchone()
            if hit:
                found.add(table)
    return found


# -- retention --------------------------------------------------------------------------------
def test_retention_lists_customers_inactive_for_longer_than_the_policy(
        login: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    admin: Session = login(Role.ADMINISTRATOR)
    assert admin.privacy.retention_years() == 3
    old = admin.customers.create(admin.user, _person("Old Customer"))
    busy = admin.customers.create(admin.user, _person("Busy Customer"))
    fresh = admin.customers.create(admin.user, _person("Fresh Customer"))
    assert admin.privacy.due_for_anonymisation(admin.user) == []
    # Four years on: all three look stale, unless something happened since.
    later = datetime.now(UTC) + timedelta(days=4 * 365)
    clock = admin.privacy._clock  # the service's clock, moved forward
    monkeypatch.setattr(admin.privacy, "_clock", lambda: later)
    due = admin.privacy.due_for_anonymisation(admin.user)
    assert {d.id for d in due} == {old.id, busy.id, fresh.id}
    assert all(d.last_activity < later - timedelta(days=3 * 365) for d in due)
    admin.privacy.set_retention_years(admin.user, 5)
    assert admin.privacy.due_for_anonymisation(admin.user) == []
    admin.privacy.set_retention_years(admin.user, 3)
    with pytest.raises(InvalidInput):
        admin.privacy.set_retention_years(admin.user, 0)
    monkeypatch.setattr(admin.privacy, "_clock", clock)
    admin.subject_rights.anonymise(admin.user, fresh.id, "retention end")
    monkeypatch.setattr(admin.privacy, "_clock", lambda: later)
    assert {d.id for d in admin.privacy.due_for_anonymisation(admin.user)} == {old.id, busy.id}
