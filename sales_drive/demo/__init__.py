"""Demo and benchmark data for Sales Drive.

``bench --site SITE execute sales_drive.demo.generate.run --kwargs '{"mode": "realistic"}'``
fills a site with a small sales department that went through the real stage
gates; ``mode="bulk"`` inserts a large, consistent pipeline for benchmarks.
See :mod:`sales_drive.demo.generate`.
"""
