"""Alembic migrations for the registry schema (see ``hsct.registry.migrate``)."""
