"""Upgrade: fill Base Burn's parties-worked cells (sales_drive/activity.py) from the existing Sales Stage
Transition Log (issue 15).

From this version Base Burn reads the parties worked per team and sales person from these cells, which
the log's writers keep from now on; this counts the history once. Exact and idempotent (the same as
``bench --site SITE execute sales_drive.activity.rebuild``).
"""

from sales_drive import activity


def execute():
	activity.rebuild(commit=False)
