"""Money owed and money received (issue 5): receivables billed from signed contracts' payment
schedules, receipts and their allocation to instalments, customer credit from overpayments,
and ageing. Pure rules (allocation.py, ageing.py, amounts.py) are kept apart from the service
(service.py, `session.money`) that checks permissions, writes and audits."""
