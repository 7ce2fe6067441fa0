"""Outcomes engine: confirmed progression, NEDA and survival, computed on whole columns."""
