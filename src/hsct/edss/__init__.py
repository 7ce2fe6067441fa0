"""Expanded Disability Status Scale: scoring from functional systems and walking.

Pure core: no web, database or CLI imports (enforced by import-linter).
"""
