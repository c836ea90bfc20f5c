"""The study's conclusions: pure functions from the results tables to tidy conclusion tables.

This layer sits between :mod:`normbench.study` (which fits and stores) and
:mod:`normbench.report` (which only renders): every statistic the report prints is computed here
and written by the workflow's ``analyse`` rule under ``results/`` (findings with their verdicts,
the per-scenario answer, the ranking statistics, the summary of medians with their Monte Carlo
errors, the best sets). It reads the results store through the study's readers and never fits.
"""
