"""The only layer that speaks SQL or touches vault files."""
