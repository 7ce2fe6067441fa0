"""Shared API response pieces: messages with their translation templates, and citations."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MessageOut(BaseModel):
    """A sentence in English, plus its template and values for translation by the client."""

    text: str
    template: str
    params: dict[str, str | int | float]


class CitationOut(BaseModel):
    """A source and its date."""

    label: str
    date: str = Field(description="Publication or as-of date, as precise as the source gives.")
    url: str | None
    doi: str | None


class FieldProblem(BaseModel):
    """One bad field, in the shape FastAPI uses for validation errors."""

    loc: list[str | int]
    msg: str
    type: str
    allowed: str | None = None


class ValidationProblem(BaseModel):
    """422 body: every bad field."""

    detail: list[FieldProblem]
