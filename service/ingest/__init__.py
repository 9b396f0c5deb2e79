"""Bringing articles in from where they already are: other people's web servers.

`fetch.py` is the one way Legible fetches a URL (politely, with an SSRF guard);
the importers built on it (feeds, sitemaps) come next. `wxr.py` reads a WordPress
export file (no fetching: its images are fetched by the import pipeline).
"""

from .fetch import Fetcher, FetchResult, user_agent

__all__ = ["FetchResult", "Fetcher", "user_agent"]
