"""The clause library's categories, and how an edited clause differs from its standard text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from core.contracts.model import ClauseCategory, ContractClause

# The order clauses take in a contract and in the library.
CATEGORY_ORDER: tuple[ClauseCategory, ...] = (
    ClauseCategory.PAYMENT, ClauseCategory.DELIVERY, ClauseCategory.ACCEPTANCE,
    ClauseCategory.WARRANTY, ClauseCategory.LIABILITY, ClauseCategory.CONFIDENTIALITY,
    ClauseCategory.DATA_PROTECTION, ClauseCategory.DISPUTE_RESOLUTION, ClauseCategory.OTHER)

CATEGORY_LABELS: dict[str, dict[ClauseCategory, str]] = {
    "en": {ClauseCategory.PAYMENT: "Payment", ClauseCategory.DELIVERY: "Delivery",
           ClauseCategory.ACCEPTANCE: "Acceptance", ClauseCategory.WARRANTY: "Warranty",
           ClauseCategory.LIABILITY: "Liability",
           ClauseCategory.CONFIDENTIALITY: "Confidentiality",
           ClauseCategory.DATA_PROTECTION: "Data protection",
           ClauseCategory.DISPUTE_RESOLUTION: "Dispute resolution",
           ClauseCategory.OTHER: "Other"},
    "zh": {ClauseCategory.PAYMENT: "付款", ClauseCategory.DELIVERY: "交付",
           ClauseCategory.ACCEPTANCE: "验收", ClauseCategory.WARRANTY: "质量保证",
           ClauseCategory.LIABILITY: "违约责任", ClauseCategory.CONFIDENTIALITY: "保密",
           ClauseCategory.DATA_PROTECTION: "数据保护",
           ClauseCategory.DISPUTE_RESOLUTION: "争议解决", ClauseCategory.OTHER: "其他"},
}

MAX_CLAUSE_TEXT = 20_000
MAX_CLAUSE_TITLE = 200


@dataclass(frozen=True)
class ClauseDiff:
    """An edited clause against its standard wording."""

    position: int
    title: str
    nonstandard: bool
    unified: str  # a unified diff, line by line (empty when standard)
    # (kind, text) runs over characters, kind in "equal", "insert", "delete": Chinese has no
    # spaces between words, so a per-word diff would mark whole sentences changed.
    runs: tuple[tuple[str, str], ...]


def diff_clause(clause: ContractClause) -> ClauseDiff:
    if not clause.nonstandard:
        return ClauseDiff(clause.position, clause.title, False, "",
                          (("equal", clause.text),) if clause.text else ())
    unified = "".join(difflib.unified_diff(
        clause.standard_text.splitlines(keepends=True), clause.text.splitlines(keepends=True),
        fromfile="standard", tofile="contract", lineterm="\n"))
    matcher = difflib.SequenceMatcher(None, clause.standard_text, clause.text, autojunk=False)
    runs: list[tuple[str, str]] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("equal", clause.text[b1:b2]))
            continue
        if tag in ("delete", "replace"):
            runs.append(("delete", clause.standard_text[a1:a2]))
        if tag in ("insert", "replace"):
            runs.append(("insert", clause.text[b1:b2]))
    return ClauseDiff(clause.position, clause.title, True, unified, tuple(runs))


def category_label(category: ClauseCategory, language: str) -> str:
    return CATEGORY_LABELS.get(language, CATEGORY_LABELS["en"])[category]
