"""The money screens: receivables, ageing, recording receipts, a customer's payments."""
