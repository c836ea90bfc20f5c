"""The twelve estimators: one objective, its losses and penalties, solvers, cross-validation."""
