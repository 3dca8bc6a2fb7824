"""A small, safe expression language for step exit conditions.

An admin writes e.g. ``doc.opportunity_amount > 0 and doc.currency == "RUB"``.
The expression is parsed with :mod:`ast` and only a whitelist of node kinds is
accepted: literals, ``doc.<field>`` reads, boolean logic, comparisons,
arithmetic and a few pure functions. No attribute other than a field of
``doc``, no subscripts of arbitrary objects, no calls outside the whitelist, no
names other than ``doc``: nothing can reach Python internals.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from typing import Any

FUNCTIONS = {
	"len": len,
	"abs": abs,
	"min": min,
	"max": max,
	"int": int,
	"float": float,
	"str": str,
	"bool": bool,
	"round": round,
}

_BIN = {
	ast.Add: operator.add,
	ast.Sub: operator.sub,
	ast.Mult: operator.mul,
	ast.Div: operator.truediv,
	ast.FloorDiv: operator.floordiv,
	ast.Mod: operator.mod,
}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_CMP = {
	ast.Eq: operator.eq,
	ast.NotEq: operator.ne,
	ast.Lt: operator.lt,
	ast.LtE: operator.le,
	ast.Gt: operator.gt,
	ast.GtE: operator.ge,
	ast.In: lambda a, b: a in b,
	ast.NotIn: lambda a, b: a not in b,
	ast.Is: operator.is_,
	ast.IsNot: operator.is_not,
}
MAX_LENGTH = 500


class ConditionError(ValueError):
	"""The expression is not valid; ``str()`` says why, in English (the adapter translates)."""


def parse(expression: str) -> ast.Expression:
	"""Parse and check an expression; raise ConditionError if it is not allowed."""
	if not expression or not expression.strip():
		raise ConditionError("The condition is empty")
	if len(expression) > MAX_LENGTH:
		raise ConditionError(f"The condition is longer than {MAX_LENGTH} characters")
	try:
		tree = ast.parse(expression.strip(), mode="eval")
	except SyntaxError as e:
		raise ConditionError(f"Syntax error: {e.msg}") from None
	for node in ast.walk(tree):
		_check_node(node)
	return tree


def fields_used(expression: str) -> set[str]:
	"""The ``doc.<field>`` names an expression reads."""
	tree = parse(expression)
	return {
		node.attr
		for node in ast.walk(tree)
		if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "doc"
	}


def _check_node(node: ast.AST) -> None:
	allowed = (
		ast.Expression,
		ast.BoolOp,
		ast.And,
		ast.Or,
		ast.BinOp,
		ast.UnaryOp,
		ast.Compare,
		ast.Constant,
		ast.List,
		ast.Tuple,
		ast.Load,
		ast.Name,
		ast.Attribute,
		ast.Call,
		ast.IfExp,
		*_BIN,
		*_UNARY,
		*_CMP,
	)
	if not isinstance(node, allowed):
		raise ConditionError(f"'{type(node).__name__}' is not allowed in a condition")
	if isinstance(node, ast.Name) and node.id != "doc" and node.id not in FUNCTIONS:
		raise ConditionError(f"Unknown name '{node.id}': use doc.<fieldname>")
	if isinstance(node, ast.Attribute):
		if not (isinstance(node.value, ast.Name) and node.value.id == "doc"):
			raise ConditionError("Only fields of doc can be read (doc.<fieldname>)")
		if node.attr.startswith("_"):
			raise ConditionError(f"Field '{node.attr}' is not allowed")
	if isinstance(node, ast.Call):
		if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
			raise ConditionError("Only these functions may be called: " + ", ".join(sorted(FUNCTIONS)))
		if node.keywords:
			raise ConditionError("Keyword arguments are not allowed")
	if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, complex)):
		raise ConditionError("This kind of constant is not allowed")


def evaluate(expression: str, doc: Mapping[str, Any]) -> bool:
	"""Evaluate the expression against a record's field values.

	A missing field reads as None. Errors at run time (comparing None with a
	number, dividing by zero) make the condition false rather than crash a save;
	the verdict then reports the condition as unmet.
	"""
	tree = parse(expression)
	try:
		return bool(_eval(tree.body, doc))
	except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
		return False


def _eval(node: ast.AST, doc: Mapping[str, Any]) -> Any:
	if isinstance(node, ast.Constant):
		return node.value
	if isinstance(node, ast.Attribute):
		return doc.get(node.attr)
	if isinstance(node, ast.Name):
		if node.id == "doc":
			raise TypeError("doc is not a value")
		return FUNCTIONS[node.id]
	if isinstance(node, (ast.List, ast.Tuple)):
		return [_eval(e, doc) for e in node.elts]
	if isinstance(node, ast.BoolOp):
		if isinstance(node.op, ast.And):
			result = True
			for value in node.values:
				result = _eval(value, doc)
				if not result:
					return result
			return result
		result = False
		for value in node.values:
			result = _eval(value, doc)
			if result:
				return result
		return result
	if isinstance(node, ast.UnaryOp):
		return _UNARY[type(node.op)](_eval(node.operand, doc))
	if isinstance(node, ast.BinOp):
		left, right = _eval(node.left, doc), _eval(node.right, doc)
		if isinstance(node.op, ast.Mult) and (isinstance(left, (str, list)) or isinstance(right, (str, list))):
			raise TypeError("sequence repetition is not allowed")
		return _BIN[type(node.op)](left, right)
	if isinstance(node, ast.Compare):
		left = _eval(node.left, doc)
		for op, comparator in zip(node.ops, node.comparators):
			right = _eval(comparator, doc)
			if not _CMP[type(op)](left, right):
				return False
			left = right
		return True
	if isinstance(node, ast.IfExp):
		return _eval(node.body, doc) if _eval(node.test, doc) else _eval(node.orelse, doc)
	if isinstance(node, ast.Call):
		func = FUNCTIONS[node.func.id]
		return func(*[_eval(a, doc) for a in node.args])
	raise TypeError(type(node).__name__)
