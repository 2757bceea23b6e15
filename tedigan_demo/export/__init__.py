"""Formats this project writes for other runtimes (``loading`` reads the formats of others)."""
