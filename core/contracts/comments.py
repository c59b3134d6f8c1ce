"""Comments on a contract's steps, sealed under the customer's key like the personal details of
the audit trail (core/audit_personal.py): contract history is append-only, so a comment that
names a person can only be forgotten by destroying its key when the customer is anonymised."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable

from core.audit_personal import (
    ERASED,
    PERSONAL,
    key_lookup,
    open_details,
    seal_personal,
    subject_of,
)
from core.contracts.model import ContractEvent

# A stored comment starting with this control character is sealed; typed comments never do
# (clean_comment drops control characters).
SEALED = "\x1e"
ERASED_COMMENT = "(erased when the customer was anonymised)"


def seal_comment(repos: object, customer_id: int, text: str) -> str:
    if not text:
        return ""
    box = seal_personal(repos.subject_keys,  # type: ignore[attr-defined]
                        subject_of("customer", str(customer_id)), {"comment": text})
    return SEALED + json.dumps(box)


def opened(repos: object, events: Iterable[ContractEvent]) -> list[ContractEvent]:
    """The events with their comments readable (or marked erased)."""
    key_of = key_lookup(repos.subject_keys)  # type: ignore[attr-defined]
    out = []
    for event in events:
        if event.comment.startswith(SEALED):
            details = open_details({PERSONAL: json.loads(event.comment[1:])}, key_of)
            text = str(details.get("comment") or (
                ERASED_COMMENT if details.get(PERSONAL) == ERASED else "(unreadable)"))
            event = dataclasses.replace(event, comment=text)
        out.append(event)
    return out
