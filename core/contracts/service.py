"""The contract service a session exposes as `session.contracts`.

Its methods are spread over modules by concern, each layer building on the one before:
base (access, transitions) → library (templates, clause library, company, qualifications) →
drafting → reading (get, page, history, document, expiring) → approvals (submit, approve,
reject) → archive (sign, life cycle, signed PDFs, amendments, renewals)."""

from __future__ import annotations

from core.contracts.archive import ArchiveOps


class ContractService(ArchiveOps):
    pass
