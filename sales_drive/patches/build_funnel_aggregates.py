"""Upgrade: fill Sales Funnel Aggregate from the existing Sales Stage Transition Log (issue 15).

From this version the funnel reports and digests read the aggregates, which the log's writers keep from
now on; this counts the history once. Exact and idempotent (the same as
``bench --site SITE execute sales_drive.aggregates.rebuild``).
"""

from sales_drive import aggregates


def execute():
	aggregates.rebuild(commit=False)
