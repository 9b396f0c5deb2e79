"""Bringing articles in from where they already are: other people's web servers.

`fetch.py` is the one way Legible fetches a URL (politely, with an SSRF guard);
the importers built on it (feeds, sitemaps, WordPress exports) come next.
"""

from .fetch import Fetcher, FetchResult, user_agent

__all__ = ["FetchResult", "Fetcher", "user_agent"]
