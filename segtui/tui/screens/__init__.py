"""The app's screens: one module per screen (dialogs, help, rule editor, profile, …)."""
