"""Shared value types used by every layer: errors, settings, languages."""

from hsct.common.errors import (
    Conflict,
    FieldError,
    HsctError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)

__all__ = ["Conflict", "FieldError", "HsctError", "InvalidInput", "NotFound", "PermissionDenied"]
