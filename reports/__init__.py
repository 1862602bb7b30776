"""Reproduction of the diagnostic's published figures, the report, the exports."""
