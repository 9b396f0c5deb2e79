"""Playwright browser suite for Legible (a package, so its module names never clash with tests/)."""
