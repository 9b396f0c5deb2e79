"""The version, in one place: the package metadata (pyproject's dynamic
version), `legible --version` and `/healthz` all read it from here."""

__version__ = "0.2.0"

# The name on the package index (pyproject's [project] name), for the install hints:
# "legible" there is another project.
DISTRIBUTION = "legible-news"
