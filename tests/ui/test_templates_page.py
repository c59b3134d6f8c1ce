"""The templates page: the seeded templates and their versions are listed; a new version
written in the dialog (title, preamble, clauses added from the library, edited, reordered,
removed) is what core then lists; a bad variable is refused with core's reason; the clause
library filters by language and category and saves a new clause version; a rep has no page."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from core.contracts.model import ClauseCategory
from core.roles import Role
from ui.contracts.templates_page import TemplatesPage
from ui.pages import allowed_pages


@pytest.fixture
def manager(login: Any) -> Any:
    return login(Role.SALES_MANAGER)


def make_page(qtbot: QtBot, session: Any) -> TemplatesPage:
    page = TemplatesPage(session, None)
    qtbot.addWidget(page)
    page.show()
    return page


def select_template(page: TemplatesPage, code: str) -> None:
    row = next(i for i, t in enumerate(page.templates) if t.code == code)
    page.template_list.setCurrentRow(row)


def test_templates_and_their_latest_version_are_shown(qtbot: QtBot, manager: Any) -> None:
    page = make_page(qtbot, manager)
    codes = {t.code for t in page.templates}
    assert "sales-zh" in codes and page.template_list.count() == len(page.templates) >= 2
    select_template(page, "sales-zh")
    assert page.version_list.count() == 1
    html = page.view.toPlainText()
    assert "付款方式" in html and "争议解决" in html


def test_a_new_version_from_the_dialog_is_what_core_lists(qtbot: QtBot, manager: Any) -> None:
    page = make_page(qtbot, manager)
    select_template(page, "sales-en")
    template = page.current_template()
    before = page.current_version()
    assert template is not None and before is not None
    dialog = page.new_version()
    assert dialog is not None and len(dialog.clauses) == len(before.clauses)

    dialog.title_edit.setText("Sales contract {contract_number}")
    dialog.preamble.setPlainText("Between {company_name} and {customer_name}.")
    # Remove the first clause, add a new one and move it to the top.
    dialog.list.setCurrentRow(0)
    dialog.remove_button.click()
    dialog.add_button.click()
    dialog.category.setCurrentIndex(dialog.category.findData(ClauseCategory.OTHER.value))
    dialog.clause_title.setText("Export control")
    dialog.clause_text.setPlainText("The Buyer complies with export control law.")
    for _ in range(len(dialog.clauses) - 1):
        dialog.up_button.click()
    assert dialog.list.currentRow() == 0
    # And one from the library (same language) after it.
    dialog.insert_from_library()
    dialog.save_button.click()
    assert not dialog.isVisible()

    versions = manager.contracts.template_versions(manager.user, template.id)
    assert [v.version for v in versions] == [1, 2]
    latest = versions[-1]
    assert latest.title == "Sales contract {contract_number}"
    assert latest.preamble == "Between {company_name} and {customer_name}."
    assert latest.clauses[0].title == "Export control"
    assert latest.clauses[0].category == ClauseCategory.OTHER
    assert len(latest.clauses) == len(before.clauses) + 1
    assert before.clauses[0] not in latest.clauses[2:]  # the removed one stays removed
    # Version 1 is untouched; the page shows the new version.
    assert versions[0].clauses == before.clauses
    assert page.version_list.count() == 2
    assert "Version 2" in page.message.text()


def test_an_unknown_variable_or_empty_clause_is_refused_with_the_reason(
        qtbot: QtBot, manager: Any) -> None:
    page = make_page(qtbot, manager)
    select_template(page, "sales-en")
    dialog = page.new_version()
    assert dialog is not None
    dialog.title_edit.setText("Contract {no_such_thing}")
    dialog.save_button.click()
    assert dialog.isVisible() and "no_such_thing" in dialog.message.text()
    dialog.title_edit.setText("Contract")
    dialog.add_button.click()  # an empty clause
    dialog.save_button.click()
    assert dialog.isVisible() and "title and a text" in dialog.message.text()
    dialog.reject()
    template = page.current_template()
    assert template is not None
    assert len(manager.contracts.template_versions(manager.user, template.id)) == 1


def test_the_clause_library_filters_and_saves_a_new_version(qtbot: QtBot,
                                                            manager: Any) -> None:
    page = make_page(qtbot, manager)
    library = page.library
    library.language.setCurrentIndex(library.language.findData("en"))
    assert library.clauses and all(c.language == "en" for c in library.clauses)
    library.category.setCurrentIndex(library.category.findData(ClauseCategory.PAYMENT.value))
    assert library.list.count() == 1
    clause = library.current()
    assert clause is not None and clause.category == ClauseCategory.PAYMENT
    dialog = library.open_editor(clause)
    dialog.text.setPlainText("Payment within 30 days of the invoice, {total} in total.")
    dialog.save_button.click()
    saved = [c for c in manager.contracts.clause_library(manager.user, "en")
             if c.key == clause.key]
    assert saved[0].version == clause.version + 1
    assert saved[0].text.startswith("Payment within 30 days")
    assert "version 2" in library.message.text()


def test_a_rep_has_no_templates_page_and_an_admin_does(login: Any) -> None:
    rep = login(Role.SALES_REP)
    assert "templates" not in {s.key for s in allowed_pages(rep)}
    admin = login(Role.ADMINISTRATOR)
    assert "templates" in {s.key for s in allowed_pages(admin)}
