"""Alembic migrations of the state store (a package so setuptools ships it)."""
