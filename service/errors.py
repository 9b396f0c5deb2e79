"""The errors Legible raises for input a person can fix."""

from __future__ import annotations


class LegibleError(Exception):
    """Base class: the message is meant for the person who gave the input."""


class ArticleInvalid(LegibleError):
    """An article failed validation; `errors` maps each field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        detail = "; ".join(f"{field}: {why}" for field, why in sorted(self.errors.items()))
        super().__init__(f"invalid article: {detail}")


class ImportFailed(LegibleError):
    """A file could not be read as an article."""


class StoreUnavailable(LegibleError):
    """The article database cannot be read or written right now."""
