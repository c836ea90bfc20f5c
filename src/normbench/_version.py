"""The package version, apart from ``normbench/__init__`` so that any layer may import it."""

__version__ = "0.1.0"
