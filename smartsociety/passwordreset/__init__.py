"""Forgotten passwords: a single-use link by mail that ends every other session."""
