"""The pure-Python domain core of Sales Drive.

Nothing in this package imports frappe: it takes plain data (dataclasses,
dicts, dates, Decimals) and returns plain data. Callers pass "today"; the
engine never reads the clock.
"""
