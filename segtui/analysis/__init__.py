"""Questions asked of an evaluated rule set: profile, crosstab, overlap, migration, drift, holdout, readout."""
