"""Contracts: templates and clauses, drafting, risk, approval workflow, archive (issue 4)."""
