"""The Customers page: ownership in the list and in search, keyset paging, sorting by header,
filters, what the auditor may do, and a lock that leaves no customer on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.customers.model import CustomerStatus
from core.customers.ports import SortKey
from core.roles import Role
from tests.conftest import USERS
from tests.ui.conftest import Make
from tests.ui.customers_support import (
    OTHER_CUSTOMERS,
    REP,
    REP_CUSTOMERS,
    customers_page,
    log_in_as,
    names,
    search,
    seed,
    visible_texts,
)
from ui.customers.list_model import CITY, KIND, NAME, UPDATED, CustomerListModel
from ui.customers.page import CustomersPage


def click_header(qtbot: QtBot, page: CustomersPage, column: int) -> None:
    header = page.view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def test_a_rep_sees_only_their_own_customers_in_the_list_and_in_search(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    assert list(main.pages)[:2] == ["customers", "today"]
    assert main.current_page_key() == "customers"  # the first page is where work starts
    page = customers_page(qtbot, main, rows=len(REP_CUSTOMERS))
    assert sorted(names(page)) == sorted(REP_CUSTOMERS)
    qtbot.waitUntil(lambda: page.count_label.text() == f"Customers: {len(REP_CUSTOMERS)}")
    assert page.new_button is not None and page.new_button.isEnabled()
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()

    assert search(qtbot, page, "王芳") == ["王芳"]  # two characters; 王芳华 is the other rep's
    assert page.count_label.text() == "Matches: 1"
    assert not page.status.isEnabled()  # filters are for the list, not for search hits
    assert search(qtbot, page, "Rival") == []
    assert search(qtbot, page, "acme") == ["Acme Trading Co"]  # an English prefix
    assert search(qtbot, page, "6234") == ["Acme Trading Co"]  # a phone fragment
    page.search.clear()
    qtbot.waitUntil(lambda: page.model.query == "" and page.model.rowCount() == 5)
    texts = visible_texts()
    for other in OTHER_CUSTOMERS:
        assert not any(other in text for text in texts)


def test_typing_fast_searches_once_and_stale_results_never_show(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        monkeypatch: pytest.MonkeyPatch) -> None:
    seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    queries: list[str] = []
    service = main.session.customers
    real = service.search
    monkeypatch.setattr(service, "search", lambda user, query, limit=50: (
        queries.append(query), real(user, query, limit))[1])
    qtbot.keyClicks(page.search, "Blue")
    qtbot.waitUntil(lambda: page.model.query == "Blue" and not page.model.loading)
    assert queries == ["Blue"]  # one search after the pause, not one per key
    assert names(page) == ["Blue Harbour Logistics"]

    page.model.set_query("Nordic")
    page.model.set_query("Acme")  # supersedes the first before it answers
    qtbot.waitUntil(lambda: not page.model.loading)
    assert names(page) == ["Acme Trading Co"]


def test_the_list_pages_by_key_and_sorts_by_name_city_and_update_time(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CustomerListModel, "PAGE", 2)
    seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = main.pages["customers"]
    assert isinstance(page, CustomersPage)
    calls: list[dict[str, Any]] = []
    service = main.session.customers
    real = service.page
    monkeypatch.setattr(service, "page", lambda user, flt, sort, descending, after=None,
                        limit=200: (calls.append({"sort": sort, "after": after, "limit": limit}),
                                    real(user, flt, sort, descending, after=after,
                                         limit=limit))[1])
    # The view asks for more as it fills; every page after the first starts at a cursor.
    qtbot.waitUntil(lambda: page.model.rowCount() == 5 and not page.model.canFetchMore())
    assert names(page) == sorted(REP_CUSTOMERS, key=str.casefold)
    assert calls and all(c["after"] is not None and c["limit"] == 2 for c in calls)

    click_header(qtbot, page, CITY)
    qtbot.waitUntil(lambda: page.model.sort_key == (SortKey.CITY, False)
                    and page.model.rowCount() == 5 and not page.model.loading)
    cities = [page.model.summary(r).city for r in range(5)]
    assert cities == sorted(cities)
    click_header(qtbot, page, CITY)  # again: the other way
    qtbot.waitUntil(lambda: page.model.sort_key == (SortKey.CITY, True)
                    and page.model.rowCount() == 5 and not page.model.loading)
    assert [page.model.summary(r).city for r in range(5)] == sorted(cities, reverse=True)

    click_header(qtbot, page, KIND)  # not sortable: nothing changes, the arrow stays
    assert page.model.sort_key == (SortKey.CITY, True)
    assert page.view.horizontalHeader().sortIndicatorSection() == CITY

    click_header(qtbot, page, UPDATED)  # newest first on the first click
    qtbot.waitUntil(lambda: page.model.sort_key == (SortKey.UPDATED, True)
                    and page.model.rowCount() == 5 and not page.model.loading)
    assert names(page)[0] == "Nordic Paper Ltd"  # created last
    click_header(qtbot, page, NAME)
    qtbot.waitUntil(lambda: page.model.sort_key == (SortKey.NAME, False))


def test_filters_by_status_and_city_with_the_count(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    page.status.setCurrentIndex(page.status.findData(CustomerStatus.LEAD))
    qtbot.waitUntil(lambda: sorted(names(page)) == ["Blue Harbour Logistics", "陈静"])
    qtbot.waitUntil(lambda: page.count_label.text() == "Customers: 2")
    page.city.setText("上海")
    qtbot.waitUntil(lambda: names(page) == ["陈静"] and page.count_label.text() == "Customers: 1")
    assert "上海" in page.cities.stringList()  # offered by the city box's completer
    page.status.setCurrentIndex(0)
    qtbot.waitUntil(lambda: sorted(names(page)) == ["王芳", "陈静"])


def test_the_auditor_sees_every_customer_but_cannot_create_edit_or_reveal(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), USERS[Role.AUDITOR])
    assert "customers" in main.pages and "today" not in main.pages
    page = customers_page(qtbot, main, rows=len(REP_CUSTOMERS) + len(OTHER_CUSTOMERS))
    assert page.new_button is None
    page.new_customer()  # Ctrl+N does nothing either
    assert page.form_dialog is None
    dialog = page.windows.open(seeded.ids["王芳"])
    qtbot.waitUntil(lambda: dialog.view is not None)
    assert dialog.edit_button.isHidden() and dialog.log_button.isHidden()
    assert dialog.done_button.isHidden()
    mobile = dialog.protected["personal_mobile"]
    assert mobile.value.text() == "138****5678"
    assert mobile.button.isHidden()
    dialog.edit()
    assert dialog.form_dialog is None


def test_locking_destroys_the_page_and_leaves_no_customer_in_any_widget(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seeded = seed(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    page = customers_page(qtbot, main, rows=5)
    model = page.model
    dialog = page.windows.open(seeded.ids["Acme Trading Co"])
    qtbot.waitUntil(lambda: dialog.view is not None)
    dialog.edit()
    assert search(qtbot, page, "Nordic") == ["Nordic Paper Ltd"]
    main.show_page("today")
    today = main.pages["today"]
    customer_texts = [n for n in REP_CUSTOMERS if n != REP[0]] + ["Zhou Min", "62345678"]
    assert any(n in t for t in visible_texts() for n in customer_texts)

    main.lock_action.trigger()
    assert model.rowCount() == 0  # wiped at once, deleted soon after
    qtbot.waitUntil(lambda: not shiboken6.isValid(model) and not shiboken6.isValid(dialog)
                    and not shiboken6.isValid(today))
    assert not shiboken6.isValid(page)
    leaked = [t for t in visible_texts() if any(n in t for n in customer_texts)]
    assert leaked == []
