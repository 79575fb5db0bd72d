"""Python SDK for the Sinch Access Keys Management API (v1)."""

from sinch_keys._version import __version__

__all__ = ["__version__"]
