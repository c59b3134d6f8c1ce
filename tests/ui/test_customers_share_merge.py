"""Duplicates on create, sharing with a colleague and merging a duplicate, driven through the
Customers page and checked through the services as the other user."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.errors import NotFound
from tests.ui.conftest import Make
from tests.ui.customers_support import OTHER_REP, REP, customers_page, log_in_as, seed
from ui.customers.detail import CustomerDialog
from ui.customers.page import CustomersPage


def rep_page(qtbot: QtBot, auth: Authenticator, vault: Path,
             make: Make) -> tuple[CustomersPage, dict[str, int]]:
    seeded = seed(auth, vault)
    main = log_in_as(qtbot, make(auth, vault=vault), REP)
    return customers_page(qtbot, main, rows=5), seeded.ids


def open_detail(qtbot: QtBot, page: CustomersPage, customer_id: int) -> CustomerDialog:
    dialog = page.windows.open(customer_id)
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=5000)
    return dialog


def say_yes(qtbot: QtBot, owner: object) -> None:
    qtbot.waitUntil(lambda: getattr(owner, "confirm_box", None) is not None, timeout=5000)
    box: QMessageBox = owner.confirm_box  # type: ignore[attr-defined]
    next(b for b in box.buttons() if b.objectName() == "yes").click()


def test_a_customer_with_the_same_mobile_is_shown_before_creating(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    page, _ids = rep_page(qtbot, auth, vault_path, make_controller)
    page.new_customer()
    form = page.form_dialog
    assert form is not None
    form.name.setText("Fang Wang Studio")
    phone = form.phones.edits[0] if form.phones.edits else form.phones.add()
    phone.setText("13900001111")  # 王芳's mobile
    form.ok_button.click()
    qtbot.waitUntil(lambda: "Create anyway?" in form.message.text(), timeout=5000)
    assert "王芳" in form.message.text() and form.saved is None
    form.ok_button.click()  # "Create anyway"
    qtbot.waitUntil(lambda: form.saved is not None, timeout=5000)
    assert form.saved is not None and form.saved.name == "Fang Wang Studio"


def test_sharing_makes_the_customer_visible_to_the_colleague_until_unshared(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    page, ids = rep_page(qtbot, auth, vault_path, make_controller)
    customer_id = ids["陈静"]
    detail = open_detail(qtbot, page, customer_id)
    assert detail.share_button.isVisible()
    detail.share_button.click()
    share = detail.share_dialog
    assert share is not None
    qtbot.waitUntil(lambda: share.colleague.count() > 0 and not share.busy.active,
                    timeout=5000)
    share.colleague.setCurrentIndex(share.colleague.findText(OTHER_REP[0]))
    share.ok_button.click()
    qtbot.waitUntil(lambda: share.shares.count() == 1 and not share.busy.active
                    and share.shares.item(0).text() == OTHER_REP[0], timeout=5000)
    other = auth.login(vault_path, *OTHER_REP)
    try:
        assert other.customers.get(other.user, customer_id).name == "陈静"
        share.shares.setCurrentRow(0)
        share.unshare_button.click()
        qtbot.waitUntil(lambda: not share.busy.active
                        and share.colleague.findText(OTHER_REP[0]) >= 0, timeout=5000)
        with pytest.raises(NotFound):
            other.customers.get(other.user, customer_id)
    finally:
        other.close()


def test_merge_moves_the_timeline_into_the_kept_customer(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    rep = auth.login(vault_path, *REP)
    rep.interactions.log(rep.user, seeded.ids["陈静"], "call",
                         datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "Asked for a quote")
    rep.close()
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    keep_id = seeded.ids["王芳"]
    detail = open_detail(qtbot, page, keep_id)
    assert detail.merge_button.isVisible()
    detail.merge_button.click()
    merge = detail.merge_dialog
    assert merge is not None
    merge.query.setText("陈静")
    merge.search()
    qtbot.waitUntil(lambda: merge.results.count() == 1, timeout=5000)
    merge.ok_button.click()
    qtbot.waitUntil(lambda: getattr(merge, "confirm_box", None) is not None, timeout=5000)
    assert "1 interactions" in merge.confirm_box.text()
    say_yes(qtbot, merge)
    qtbot.waitUntil(lambda: merge.merged is not None, timeout=5000)
    qtbot.waitUntil(lambda: page.model.rowCount() == 4 and not page.model.loading,
                    timeout=5000)
    rep = auth.login(vault_path, *REP)
    try:
        summaries = [i.summary for i in rep.interactions.timeline(rep.user, keep_id)]
        assert "Asked for a quote" in summaries
        with pytest.raises(NotFound):
            rep.customers.get(rep.user, seeded.ids["陈静"])
    finally:
        rep.close()
