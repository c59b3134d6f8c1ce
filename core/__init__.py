"""Strongroom's domain and services: pure Python, no Qt, no database driver, no storage imports."""
