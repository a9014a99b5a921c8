"""Questions asked of an evaluated rule set: profile, crosstab, overlap, migration, drift,
holdouts and campaign readouts.

Pure functions over frames (no Textual, no printing): the CLI and the TUI both call them.
"""
