"""normbench: loss x penalty benchmark for high-dimensional linear regression."""

__version__ = "0.1.0"
