"""The `transmission` command line: a thin shell over the library."""

from transmission.cli.app import app

__all__ = ["app"]
