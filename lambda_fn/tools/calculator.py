"""``calculate``: safe arithmetic on numbers, without ``eval``.

The expression is parsed with ``ast`` and only numbers, ``+ - * / // % **``, parentheses
and the functions ``abs, round, min, max, sqrt`` are evaluated; a name, an attribute, a
string or anything else is refused. Sizes are bounded (expression length, node count,
exponent, result), so no input can keep the function busy or eat its memory.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from .base import JsonObject, Tool, ToolInputError, only_keys, text

MAX_LENGTH = 200
MAX_NODES = 64
MAX_EXPONENT = 64
MAX_MAGNITUDE = 1e15
# round(x, -10**8) makes CPython build 10**100000000 and never return: digits are bounded
# to what a float can hold.
MAX_ROUND_DIGITS = 15

Number = int | float
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
}
# What people type for * / and power.
_SPELLINGS = str.maketrans({"×": "*", "÷": "/", "^": "**"})


def evaluate(expression: str) -> Number:
    """The value of ``expression``; ``ToolInputError`` for anything but bounded arithmetic."""
    source = expression.translate(_SPELLINGS)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise ToolInputError(f"not an arithmetic expression: {expression!r}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ToolInputError(f"expression has more than {MAX_NODES} parts")
    try:
        value = _eval(tree.body)
    except ToolInputError:
        raise
    except ZeroDivisionError:
        raise ToolInputError("division by zero") from None
    except (OverflowError, ValueError) as exc:  # sqrt(-1), float overflow
        raise ToolInputError(f"cannot compute: {exc}") from None
    return _tidy(value)


def _eval(node: ast.AST) -> Number:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _bounded(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ToolInputError(f"exponent larger than {MAX_EXPONENT}")
        return _bounded(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
        and node.args
    ):
        args = [_eval(arg) for arg in node.args]
        if node.func.id == "round" and len(args) == 2:
            _check_round_digits(args[1])
        try:
            return _bounded(_FUNCTIONS[node.func.id](*args))
        except TypeError:
            raise ToolInputError(f"wrong number of arguments for {node.func.id}") from None
    raise ToolInputError(f"not allowed in a calculation: {ast.unparse(node)!r}")


def _check_round_digits(digits: Number) -> None:
    if not isinstance(digits, int):
        raise ToolInputError("round's number of digits must be a whole number")
    if abs(digits) > MAX_ROUND_DIGITS:
        raise ToolInputError(f"round to at most {MAX_ROUND_DIGITS} digits either side of the point")


def _bounded(value: Any) -> Number:
    # 2 ** 0.5j or (-8) ** 0.5 give complex numbers: not arithmetic the tool offers.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolInputError("the result is not a real number")
    if abs(value) > MAX_MAGNITUDE or (isinstance(value, float) and not math.isfinite(value)):
        raise ToolInputError(f"a value exceeds {MAX_MAGNITUDE:g}")
    return value


def _tidy(value: Number) -> Number:
    """Whole floats as ints, other floats to 12 significant digits (no 0.30000000000000004)."""
    if isinstance(value, float):
        value = float(f"{value:.12g}")
        if value.is_integer():
            return int(value)
    return value


def run(args: Mapping[str, Any]) -> JsonObject:
    only_keys(args, {"expression"})
    expression = text(args, "expression", max_length=MAX_LENGTH)
    return {"expression": expression, "result": evaluate(expression)}


CALCULATE = Tool(
    name="calculate",
    description=(
        "Evaluate an arithmetic expression exactly, for example '52.1 / 4' or "
        "'(15 * 60) - 120'. Numbers, + - * / // % ** and parentheses, and the functions "
        "abs, round, min, max and sqrt."
    ),
    input_schema={
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "maxLength": MAX_LENGTH,
                "description": "The expression to evaluate.",
            },
        },
        "required": ["expression"],
        "additionalProperties": False,
    },
    run=run,
)
