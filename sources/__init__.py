"""Producers' files: registry, fetch/landing and one parser module per producer."""
