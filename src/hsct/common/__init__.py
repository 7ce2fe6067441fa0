"""Shared value types used by every layer: errors, settings, languages."""

from hsct.common.errors import FieldError, HsctError, InvalidInput

__all__ = ["FieldError", "HsctError", "InvalidInput"]
