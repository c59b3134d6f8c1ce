"""Template variables rendered safely, unknown ones reported; the default templates complete in
both languages; an edited clause's difference from its standard text."""

from __future__ import annotations

from core.contracts.clauses import CATEGORY_ORDER, diff_clause
from core.contracts.default_templates import DEFAULTS
from core.contracts.model import ClauseCategory, ContractClause
from core.contracts.templates import VARIABLES, render, unknown_variables


def test_known_variables_are_substituted() -> None:
    out = render("合同编号：{contract_number}，买方：{customer_name}",
                 {"contract_number": "SR-2026-000123", "customer_name": "上海明珠"})
    assert out.text == "合同编号：SR-2026-000123，买方：上海明珠"
    assert out.unknown == ()


def test_unknown_and_malformed_placeholders_are_reported_not_evaluated() -> None:
    out = render("{custmer_name} {0.__class__} {total.__class__.__mro__} {} {{literal}}",
                 {"total": "1.00 CNY"})
    assert out.text == "{custmer_name} {0.__class__} {total.__class__.__mro__} {} {literal}"
    assert out.unknown == ("custmer_name", "0.__class__", "total.__class__.__mro__", "")
    assert unknown_variables(["{customer_name} {evil}"]) == ["evil"]


def test_values_are_not_re_rendered() -> None:
    # A customer called "{company_name}" stays that text; values are never templates.
    out = render("{customer_name}", {"customer_name": "{company_name}", "company_name": "X"})
    assert out.text == "{company_name}"


def test_default_templates_cover_every_category_and_use_known_variables() -> None:
    assert {d.language for d in DEFAULTS} == {"zh", "en"}
    for default in DEFAULTS:
        categories = [c.category for c in default.clauses]
        assert categories == [c for c in CATEGORY_ORDER if c != ClauseCategory.OTHER]
        assert unknown_variables([default.preamble, *(c.text for c in default.clauses)]) == []
        assert set(VARIABLES) >= {"customer_name", "contract_number", "total"}


def test_clause_diff_marks_changed_characters_in_chinese() -> None:
    standard = "质量保证期为自验收合格之日起十二个月。"
    clause = ContractClause(1, ClauseCategory.WARRANTY, "质量保证",
                            "质量保证期为自验收合格之日起二十四个月。", standard)
    diff = diff_clause(clause)
    assert diff.nonstandard
    # The runs rebuild both texts, and only the changed characters are marked.
    assert "".join(t for k, t in diff.runs if k != "insert") == standard
    assert "".join(t for k, t in diff.runs if k != "delete") == clause.text
    assert sum(len(t) for k, t in diff.runs if k != "equal") <= 4
    assert "-质量保证期为自验收合格之日起十二个月。" in diff.unified
    same = ContractClause(1, ClauseCategory.WARRANTY, "质量保证", standard + "  ", standard)
    assert not same.nonstandard and not diff_clause(same).nonstandard
