"""Template text with {variables}: checked and rendered without str.format (which would let a
template reach attributes such as {x.__class__}), unknown names reported rather than guessed.
The default templates themselves are in core/contracts/default_templates.py."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

VARIABLES: dict[str, str] = {
    "customer_name": "the customer's name",
    "company_name": "our company's name",
    "contract_number": "the contract number, e.g. SR-2026-000123",
    "contract_date": "the contract date (YYYY-MM-DD)",
    "start_date": "the first day of the term",
    "end_date": "the last day of the term",
    "total": "the gross total with its currency",
    "currency": "the currency code",
    "delivery_terms": "the delivery terms entered on the contract",
}

# {name} is a variable; {{ and }} are literal braces.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Rendered:
    text: str
    unknown: tuple[str, ...]  # placeholders with no value, left as written


def variables_in(text: str) -> tuple[str, ...]:
    """Every placeholder name in order of first appearance (malformed ones included)."""
    seen: dict[str, None] = {}
    for match in _TOKEN.finditer(text):
        if match.group(1) is not None:
            seen.setdefault(match.group(1), None)
    return tuple(seen)


def unknown_variables(texts: Iterable[str], known: Iterable[str] = VARIABLES) -> list[str]:
    allowed = set(known)
    found: dict[str, None] = {}
    for text in texts:
        for name in variables_in(text):
            if name not in allowed or not _NAME.fullmatch(name):
                found.setdefault(name, None)
    return list(found)


def render(text: str, values: Mapping[str, str]) -> Rendered:
    """Substitute known variables; an unknown or malformed placeholder stays as written and is
    reported, so a reviewer sees "{custmer_name}" instead of an empty gap."""
    unknown: dict[str, None] = {}

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if _NAME.fullmatch(name) and name in values:
            return str(values[name])
        unknown.setdefault(name, None)
        return token

    return Rendered(_TOKEN.sub(replace, text), tuple(unknown))
