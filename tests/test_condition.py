import pytest

from sales_drive.engine import condition


@pytest.mark.parametrize("expr,doc,expected", [
	("doc.a > 1", {"a": 2}, True),
	("doc.a > 1", {"a": 1}, False),
	("doc.s == 'x' or doc.t", {"s": "y", "t": 1}, True),
	("doc.s in ('a', 'b')", {"s": "b"}, True),
	("len(doc.s) >= 3", {"s": "abcd"}, True),
	("not doc.flag", {}, True),
	("doc.a * 2 + 1 == 7", {"a": 3}, True),
	("1 if doc.a else 0", {"a": 0}, False),
	("doc.a / doc.b > 1", {"a": 1, "b": 0}, False),  # division by zero: unmet, not a crash
	("doc.missing > 3", {}, False),
])
def test_evaluate(expr, doc, expected):
	assert condition.evaluate(expr, doc) is expected


@pytest.mark.parametrize("expr", [
	"__import__('os').system('id')",
	"doc.__dict__",
	"().__class__.__bases__",
	"getattr(doc, 'x')",
	"eval('1')",
	"doc['a']",
	"x",
	"(lambda: 1)()",
	"a := 1",
	"x" * 600,
])
def test_rejected(expr):
	with pytest.raises(condition.ConditionError):
		condition.evaluate(expr, {})


def test_string_repetition_is_unmet_not_executed():
	assert condition.evaluate("doc.s * 100000000 == ''", {"s": "x"}) is False


def test_fields_used():
	assert condition.fields_used("doc.a > 1 and len(doc.b) == 2") == {"a", "b"}
