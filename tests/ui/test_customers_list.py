"""The Customers page: ownership in the list and in search, keyset paging, sorting by header,
filters, what the auditor may do, and a lock that leaves no customer on screen."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from core.auth import Authenticator
from core.customers.model import CustomerDraft, CustomerKind, CustomerStatus
from core.customers.ports import CustomerFilter, SortKey
from core.roles import Role
from core.session import Session
from tests.conftest import ADMIN, USERS
from tests.ui.conftest import Make
from tests.ui.customers_support import (
    OTHER_CUSTOMERS,
    OTHER_REP,
    REP,
    REP_CUSTOMERS,
    customers_page,
    log_in_as,
    names,
    search,
    seed,
    visible_texts,
)
from ui.customers.list_model import CITY, ID, KIND, NAME, UPDATED, CustomerListModel
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


# -- the windowed list over many customers -----------------------------------------------------
MANY = 240  # the rep's customers beside the five above: 25 pages of 10, a window of 8


def seed_many(auth: Authenticator, vault: Path) -> None:
    """The usual customers, then MANY more of the rep's and some of the other rep's, through
    storage's bulk path (creating them one by one through the service is slow)."""
    seed(auth, vault)
    owners = {}
    for user in (REP, OTHER_REP):
        session = auth.login(vault, *user)
        owners[user] = session.user.id
        session.close()
    session = auth.login(vault, *ADMIN)
    statuses = list(CustomerStatus)
    rows = [(CustomerDraft(kind=CustomerKind.COMPANY, name=f"Firm {i:03d} {'甲乙丙丁'[i % 4]}",
                           city=("上海", "北京", "广州")[i % 3], status=statuses[i % 4]),
             owners[REP]) for i in range(MANY)]
    rows += [(CustomerDraft(kind=CustomerKind.COMPANY, name=f"Firm {i:03d} Rival"),
              owners[OTHER_REP]) for i in range(40)]
    with session._store.transaction() as repos:  # type: ignore[attr-defined]
        repos.customers.bulk_add(rows, datetime.now(UTC))
    session.close()


def core_rows(session: Session, sort: str = SortKey.NAME, descending: bool = False,
              flt: CustomerFilter | None = None) -> list[int]:
    """Every row the user may see, in order, as core's keyset pages give them."""
    service, ids, after = session.customers, [], None
    while True:
        rows = service.page(session.user, flt or CustomerFilter(), sort, descending,
                            after=after, limit=100)
        ids += [r.id for r in rows]
        if len(rows) < 100:
            return ids
        after = service.cursor_after(rows[-1], sort)


def shown(page: CustomersPage) -> range:
    view = page.view
    last = view.rowAt(view.viewport().height() - 1)
    return range(view.rowAt(0), (last if last >= 0 else page.model.rowCount() - 1) + 1)


def wait_shown(qtbot: QtBot, page: CustomersPage) -> list[int]:
    """The ids of the rows in view, once they are all held."""
    def held() -> bool:
        page.view.viewport().update()
        return all(page.model.summary(r) is not None for r in shown(page))

    qtbot.waitUntil(held, timeout=5000)
    ids = []
    for r in shown(page):
        item = page.model.summary(r)
        assert item is not None
        ids.append(item.id)
    return ids


def scroll_to_end(qtbot: QtBot, page: CustomersPage, bound: int) -> None:
    model, peak, deadline = page.model, 0, time.monotonic() + 20
    while model.canFetchMore() or model.loading:
        assert time.monotonic() < deadline, "the list stopped growing"
        page.view.scrollToBottom()
        qtbot.wait(5)
        peak = max(peak, model.materialised)
    qtbot.waitUntil(lambda: not model.loading)
    assert max(peak, model.materialised) <= bound


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CustomerListModel, "PAGE", 10)
    monkeypatch.setattr(CustomerListModel, "WINDOW", 80)
    monkeypatch.setattr(CustomerListModel, "REFRESH_MAX", 20)


@pytest.mark.usefixtures("small_window")
def test_scrolling_far_down_and_back_shows_core_rows_and_holds_at_most_the_window(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seed_many(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    main.resize(900, 520)
    page = customers_page(qtbot, main)
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.loading)
    assert len(shown(page)) * 2 + 2 * model.PAGE <= model.WINDOW  # the test's own premise
    expected = core_rows(main.session)
    assert len(expected) == MANY + len(REP_CUSTOMERS)  # the rep's own, none of the other's

    scroll_to_end(qtbot, page, model.WINDOW)
    assert model.rowCount() == len(expected) and model.anchors == 25
    assert wait_shown(qtbot, page) == expected[shown(page).start:shown(page).stop]
    assert model.summary(0) is None  # the top was dropped

    # Back up a screen at a time: every screen shows core's rows at those positions, read
    # again by key, and the window never grows past its bound.
    calls: list[Any] = []
    service = main.session.customers
    real = service.page
    service.page = lambda *a, **k: (calls.append(k.get("after")), real(*a, **k))[1]  # type: ignore[method-assign]
    bar = page.view.verticalScrollBar()
    while True:
        ids = wait_shown(qtbot, page)
        rows = shown(page)
        assert ids == expected[rows.start:rows.stop]
        assert model.materialised <= model.WINDOW
        if bar.value() == 0:
            break
        bar.setValue(bar.value() - bar.pageStep())
    assert calls and calls.count(None) == 1  # only the first page is read without a key

    # Dragging the scrollbar to the middle of what was reached reads that page by its key.
    bar.setValue(bar.maximum() // 2)
    rows = shown(page)
    assert wait_shown(qtbot, page) == expected[rows.start:rows.stop]
    texts = visible_texts()
    assert not any("Rival" in text for text in texts)


@pytest.mark.usefixtures("small_window")
def test_sorting_filtering_and_refreshing_a_windowed_list(
        qtbot: QtBot, auth: Authenticator, vault_path: Path, make_controller: Make) -> None:
    seed_many(auth, vault_path)
    main = log_in_as(qtbot, make_controller(auth, vault=vault_path), REP)
    main.resize(900, 520)
    page = customers_page(qtbot, main)
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.loading)

    click_header(qtbot, page, UPDATED)  # newest first, ties by id
    qtbot.waitUntil(lambda: model.sort_key == (SortKey.UPDATED, True) and not model.loading)
    scroll_to_end(qtbot, page, model.WINDOW)
    expected = core_rows(main.session, SortKey.UPDATED, True)
    assert model.rowCount() == len(expected)
    page.view.scrollToTop()
    assert wait_shown(qtbot, page) == expected[:len(shown(page))]

    # A change elsewhere, deep in the list: the place stays and shows core's rows there, and
    # the rows above are read again by key.
    page.view.scrollTo(model.index(len(expected) - 60, 0))
    before = wait_shown(qtbot, page)
    start = shown(page).start
    main.session.customers.create(main.session.user, CustomerDraft(
        kind=CustomerKind.COMPANY, name="Newest Ltd", status=CustomerStatus.ACTIVE))
    qtbot.waitUntil(lambda: not model.loading and model.summary(0) is None)
    expected = core_rows(main.session, SortKey.UPDATED, True)
    rows = shown(page)
    assert rows.start == start
    ids = wait_shown(qtbot, page)
    assert ids == before == expected[rows.start + 1:rows.stop + 1]  # one newer row above
    assert model.materialised <= model.WINDOW
    page.view.scrollToTop()
    ids = wait_shown(qtbot, page)
    assert ids[:model.PAGE] == expected[:model.PAGE]  # the first page is read from the top
    places = [expected.index(i) for i in ids]  # the rest in key order, none twice
    assert places == sorted(set(places))

    page.status.setCurrentIndex(page.status.findData(CustomerStatus.ACTIVE))
    flt = CustomerFilter(status=CustomerStatus.ACTIVE)
    qtbot.waitUntil(lambda: model.filter == flt and not model.loading)
    scroll_to_end(qtbot, page, model.WINDOW)
    expected = core_rows(main.session, SortKey.UPDATED, True, flt)
    assert model.rowCount() == len(expected)
    rows = shown(page)
    assert wait_shown(qtbot, page) == expected[rows.start:rows.stop]
    assert all(model.summary(r).status == CustomerStatus.ACTIVE for r in rows)  # type: ignore[union-attr]



def test_the_model_alone_drops_far_pages_and_reads_them_again_by_key(
        qtbot: QtBot, auth: Authenticator, vault_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CustomerListModel, "PAGE", 1)
    monkeypatch.setattr(CustomerListModel, "WINDOW", 3)  # three pages of one row
    seed(auth, vault_path)
    session = auth.login(vault_path, *REP)
    try:
        model = CustomerListModel(session)
        model.reload()
        qtbot.waitUntil(lambda: model.rowCount() == 1 and not model.loading)
        while model.canFetchMore() or model.loading:
            model.fetchMore()
            qtbot.wait(2)
            assert model.materialised <= 3
        expected = core_rows(session)
        assert model.rowCount() == len(expected) == 5
        assert [model.summary(r) is not None for r in range(5)] == [False] * 2 + [True] * 3
        assert model.row_of(expected[0]) is None

        assert model.data(model.index(0, NAME)) is None  # asked for: read again by key
        qtbot.waitUntil(lambda: model.summary(0) is not None and not model.loading)
        assert [model.data(model.index(r, NAME), ID) for r in range(2)] == expected[:2]
        assert model.summary(4) is None and model.materialised <= 3  # the far end went

        model.set_query("上海")  # search hits: no keys to read again by, so all are kept
        qtbot.waitUntil(lambda: model.query == "上海" and not model.loading)
        assert model.materialised == model.rowCount() == 2 and not model.canFetchMore()
        model.wipe()
        assert model.rowCount() == 0 and model.materialised == 0 and model.anchors == 0
    finally:
        session.close()
