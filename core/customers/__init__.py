"""Customers: records, their protected fields, who may see them, and their history."""
