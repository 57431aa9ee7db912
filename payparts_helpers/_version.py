"""The package version, kept in one place for the User-Agent and the sandbox's index."""

__version__ = "0.1.0"
