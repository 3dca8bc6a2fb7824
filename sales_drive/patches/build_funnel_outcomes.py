"""Upgrade: fill Sales Funnel Outcome and the aggregates' outcome rows from the existing Sales Stage
Transition Log (issue 15).

From this version Step Probabilities (and the Historical mode of Internal vs Top-down, the bottom-up plan)
read the outcome totals, which the log's writers keep from now on; this counts the history once. Exact and
idempotent (the same as ``bench --site SITE execute sales_drive.outcomes.rebuild``).
"""

from sales_drive import outcomes


def execute():
	outcomes.rebuild(commit=False)
