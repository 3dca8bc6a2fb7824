"""The duration histogram of the funnel aggregates (sales_drive.engine.funnel): buckets and the
stated error bound of a median read from them."""

import random
import statistics
from decimal import Decimal

from sales_drive.engine.funnel import (
	EXACT_DAYS,
	bucket_value,
	bucket_width,
	days_bucket,
	median_error_bound,
	median_from_histogram,
)


def test_buckets_are_exact_below_64_then_eight_per_doubling():
	assert [days_bucket(d) for d in (0, 1, 63)] == [0, 1, 63]
	assert [days_bucket(d) for d in (64, 71, 72, 127, 128, 143, 144, 1000)] == [64, 64, 72, 120, 128, 128, 144, 960]
	assert bucket_width(64) == 8 and bucket_width(128) == 16 and bucket_width(960) == 64
	assert bucket_value(64) == Decimal("67.5") and bucket_value(5) == 5


def test_every_value_falls_in_its_bucket_and_within_a_sixteenth_of_its_midpoint():
	for d in range(0, 20000):
		low = days_bucket(d)
		assert low <= d < low + bucket_width(low)
		assert abs(bucket_value(low) - d) <= Decimal(d) / 16
		if d < EXACT_DAYS:
			assert bucket_value(low) == d


def _median_from_buckets(values):
	counts = {}
	for v in values:
		low = days_bucket(v)
		counts[bucket_value(low)] = counts.get(bucket_value(low), 0) + 1
	return median_from_histogram(counts.items())


def test_median_from_buckets_is_within_the_stated_bound():
	rng = random.Random(15)
	worst = Decimal(0)
	for _ in range(3000):
		n = rng.randint(1, 60)
		scale = rng.choice((5, 30, 90, 400, 3000))
		values = [int(rng.expovariate(1 / scale)) for _ in range(n)]
		exact = Decimal(str(statistics.median(values)))
		shown = _median_from_buckets(values)
		error = abs(shown - exact)
		assert error <= median_error_bound(shown), (values, exact, shown)
		assert error <= exact / 16 + Decimal("0.01")
		if exact:
			worst = max(worst, error / exact)
	assert worst > 0  # the bound is not vacuous: some medians are off


def test_small_medians_are_exact():
	rng = random.Random(7)
	for _ in range(2000):
		values = [rng.randint(0, 200) for _ in range(rng.randint(1, 30))]
		shown = _median_from_buckets(values)
		if shown < EXACT_DAYS / 2:
			assert shown == Decimal(str(statistics.median(values))).quantize(Decimal("0.01"))
