"""Numbered schema migrations: NNNN_name.sql, applied in order, each vault recording its
version in PRAGMA user_version."""
