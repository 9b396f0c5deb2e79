"""Legible's tests without a browser (a package, so `tests.support` imports the same way
from tests/, e2e/, the bench scripts and `python -m e2e.gallery`)."""
