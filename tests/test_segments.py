import pytest

from sales_drive.engine.segments import (
	SegmentError,
	SegmentRule,
	can_overlap,
	choose,
	choose_regulation,
	lineage,
	matches,
	matching,
	overlaps,
	suggest_move,
	validate,
)

PARENTS = {
	"customer_group": {
		"Retail": "All Customer Groups",
		"Wholesale": "All Customer Groups",
		"Chains": "Retail",
	},
	"territory": {"Moscow": "Russia", "Kazan": "Russia", "Russia": "All Territories"},
}

DEFAULT = SegmentRule("Standard", is_default=True)
KEY = SegmentRule("Key Accounts", key_account=True, priority=10)
WHOLESALE = SegmentRule("Wholesale Sales", {"customer_group": ["Wholesale"]})
RETAIL_MOSCOW = SegmentRule("Retail Moscow", {"customer_group": ["Retail"], "territory": ["Moscow"]})
WEB = SegmentRule("Inbound Web", {"source": ["Website"]}, priority=5)
RULES = [DEFAULT, KEY, WHOLESALE, RETAIL_MOSCOW, WEB]


def test_default_when_nothing_matches():
	assert choose_regulation(RULES, {"customer_group": "Other"}, PARENTS) == "Standard"


def test_no_rules_no_regulation():
	assert choose([], {"territory": "Moscow"}) is None


def test_no_default_and_no_match_gives_none():
	assert choose_regulation([WHOLESALE], {"customer_group": "Retail"}) is None


def test_single_condition_matches():
	assert choose_regulation(RULES, {"customer_group": "Wholesale"}, PARENTS) == "Wholesale Sales"


def test_all_conditions_must_match():
	assert choose_regulation(RULES, {"customer_group": "Retail", "territory": "Kazan"}, PARENTS) == "Standard"
	assert (
		choose_regulation(RULES, {"customer_group": "Retail", "territory": "Moscow"}, PARENTS)
		== "Retail Moscow"
	)


def test_tree_child_matches_parent_condition():
	assert (
		choose_regulation(RULES, {"customer_group": "Chains", "territory": "Moscow"}, PARENTS)
		== "Retail Moscow"
	)


def test_tree_not_used_without_parents():
	assert choose_regulation(RULES, {"customer_group": "Chains", "territory": "Moscow"}) == "Standard"


def test_parent_does_not_match_child_condition():
	rule = SegmentRule("Chains", {"customer_group": ["Chains"]})
	assert not matches(rule, {"customer_group": "Retail"}, PARENTS)


def test_key_account_flag_beats_lower_priority():
	rec = {"customer_group": "Wholesale", "key_account": 1}
	assert choose_regulation(RULES, rec, PARENTS) == "Key Accounts"


def test_key_account_false_condition():
	rule = SegmentRule("Small", key_account=False)
	assert matches(rule, {})
	assert matches(rule, {"key_account": 0})
	assert not matches(rule, {"key_account": True})


def test_priority_orders_matches():
	rec = {"customer_group": "Wholesale", "source": "Website", "key_account": True}
	assert [r.regulation for r in matching(RULES, rec, PARENTS)] == [
		"Key Accounts",
		"Inbound Web",
		"Wholesale Sales",
	]


def test_equal_priority_keeps_given_order():
	a = SegmentRule("A", {"source": ["Website"]})
	b = SegmentRule("B", {"territory": ["Moscow"]})
	rec = {"source": "Website", "territory": "Moscow"}
	assert choose_regulation([a, b], rec) == "A"
	assert choose_regulation([b, a], rec) == "B"


def test_default_never_in_matching():
	assert matching([DEFAULT], {}) == []


def test_empty_values_in_conditions_are_ignored():
	rule = SegmentRule("X", {"territory": ["", None]})
	assert rule.allowed("territory") == frozenset()
	assert matches(rule, {"territory": "Anything"})


def test_missing_record_value_fails_a_condition():
	assert not matches(WHOLESALE, {})


def test_lineage_nearest_first_and_cycle_safe():
	assert lineage("territory", "Moscow", PARENTS) == ["Moscow", "Russia", "All Territories"]
	assert lineage("territory", None, PARENTS) == []
	assert lineage("territory", "A", {"territory": {"A": "B", "B": "A"}}) == ["A", "B"]


def test_suggest_move():
	rec = {"customer_group": "Wholesale"}
	assert suggest_move("Standard", RULES, rec, PARENTS) == "Wholesale Sales"
	assert suggest_move("Wholesale Sales", RULES, rec, PARENTS) is None
	assert suggest_move(None, [], rec) is None


def test_sample_rules_do_not_overlap():
	# Wholesale and Retail are sibling groups; the others have distinct priorities
	assert overlaps(RULES, PARENTS) == []


def test_overlap_pairs():
	a = SegmentRule("A", {"source": ["Website"]}, name="rule-a")
	b = SegmentRule("B", {"territory": ["Moscow"]}, name="rule-b")
	assert overlaps([a, b]) == [("rule-a", "rule-b")]


def test_priority_resolves_overlap():
	a = SegmentRule("A", {"source": ["Website"]}, priority=1)
	b = SegmentRule("B", {"territory": ["Moscow"]})
	assert overlaps([a, b]) == []


def test_equal_explicit_priority_still_overlaps():
	a = SegmentRule("A", {"source": ["Website"]}, priority=3)
	b = SegmentRule("B", {"territory": ["Moscow"]}, priority=3)
	assert overlaps([a, b]) == [("A", "B")]


def test_zero_and_none_priority_are_equal():
	a = SegmentRule("A", priority=0)
	b = SegmentRule("B")
	assert overlaps([a, b]) == [("A", "B")]


def test_same_regulation_is_not_ambiguous():
	a = SegmentRule("A", {"source": ["Website"]})
	b = SegmentRule("A", {"territory": ["Moscow"]})
	assert overlaps([a, b]) == []


def test_disjoint_values_do_not_overlap():
	a = SegmentRule("A", {"source": ["Website"]})
	b = SegmentRule("B", {"source": ["Cold Calling"]})
	assert not can_overlap(a, b)
	assert overlaps([a, b]) == []


def test_shared_value_overlaps():
	a = SegmentRule("A", {"source": ["Website", "Exhibition"]})
	b = SegmentRule("B", {"source": ["Exhibition"]})
	assert can_overlap(a, b)


def test_key_account_flags_disjoint():
	a = SegmentRule("A", key_account=True)
	b = SegmentRule("B", key_account=False)
	c = SegmentRule("C")
	assert overlaps([a, b, c]) == [("A", "C"), ("B", "C")]


def test_tree_ancestor_overlaps_descendant():
	a = SegmentRule("A", {"territory": ["Russia"]})
	b = SegmentRule("B", {"territory": ["Kazan"]})
	assert can_overlap(a, b, PARENTS)
	assert not can_overlap(a, b)  # without the tree they look disjoint


def test_tree_siblings_do_not_overlap():
	a = SegmentRule("A", {"territory": ["Moscow"]})
	b = SegmentRule("B", {"territory": ["Kazan"]})
	assert not can_overlap(a, b, PARENTS)


def test_defaults_never_overlap():
	assert overlaps([DEFAULT, SegmentRule("B")]) == []


def test_validate_ok():
	validate(RULES)


def test_validate_two_defaults():
	with pytest.raises(SegmentError, match="More than one default"):
		validate([DEFAULT, SegmentRule("Other", is_default=True)])


def test_validate_unknown_field():
	with pytest.raises(SegmentError, match="unknown condition"):
		validate([SegmentRule("X", {"colour": ["red"]})])


def test_validate_default_with_conditions():
	with pytest.raises(SegmentError, match="default rule cannot"):
		validate([SegmentRule("X", {"source": ["Web"]}, is_default=True)])
	with pytest.raises(SegmentError, match="default rule cannot"):
		validate([SegmentRule("X", key_account=True, is_default=True)])


def test_validate_needs_regulation():
	with pytest.raises(SegmentError, match="no regulation"):
		validate([SegmentRule("", name="r1")])
