"""Analyses over a customer view and its segments (no Textual)."""
