"""The expression budget against the clock: the bound of each shape, the time it takes.

    python bench/expressions.py [--rounds 3]

Each shape is evaluated over data of a realistic size (invoice lines, entities) through
CEL directly, as the engine would once the bound let it run, and timed (best of the
rounds). A line per shape: its bound in units, its time, and microseconds a unit. The last
line is one JSON object: ``us_per_unit_max`` is the slowest unit seen, so
``budget_seconds_max`` is how long an expression at the budget may take at most here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backoffice.language.budget import EXPRESSION_BUDGET  # noqa: E402
from backoffice.language.expressions import Scope, compiled, helpers  # noqa: E402
from backoffice.language.model import Calendar  # noqa: E402


def lines(count: int) -> list[dict[str, Any]]:
    return [
        {"number": n, "qty": n % 7 + 1, "unit_price": 3.15 + 1.05 * n, "item": f"PART-{n:03d}",
         "description": f"Part number {n} as ordered, delivered in full"}
        for n in range(1, count + 1)
    ]  # fmt: skip


SHAPES: list[tuple[str, str, int]] = [
    ("line amounts", "input.lines.map(l, l.qty * l.unit_price)", 200),
    ("every line priced", "input.lines.all(l, l.unit_price > 0)", 200),
    ("lines kept whole", "input.lines.filter(l, l.qty > 1)", 200),
    ("lines copied", "input.lines.map(l, l)", 200),
    (
        "duplicate numbers",
        "input.lines.all(a, input.lines.exists_one(b, b.number == a.number))",
        200,
    ),
    ("duplicate items", "input.lines.all(a, input.lines.exists_one(b, b.item == a.item))", 200),
    ("total", "sum(input.lines.map(l, l.qty * l.unit_price))", 200),
    ("descriptions", "join(input.lines.map(l, upper(l.description)), '; ')", 200),
    ("entities closed", "input.lines.all(e, e.qty > 0 && e.item.startsWith('PART'))", 40),
    ("pairs of entities", "input.lines.map(a, input.lines.map(b, a.number + b.number))", 40),
    ("three deep", "input.lines.all(a, input.lines.all(b, input.lines.all(c, c.qty > 0)))", 40),
    ("lines kept whole, long", "input.lines.filter(l, l.qty > 1)", 420),
    (
        "duplicates, long",
        "input.lines.all(a, input.lines.exists_one(b, b.number == a.number))",
        230,
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    functions = helpers(Calendar())
    worst = 0.0
    figures: dict[str, Any] = {}
    for name, source, count in SHAPES:
        scope = Scope({"input": {"lines": lines(count)}}, functions)
        bound = scope.bound(source)
        program = compiled(source).program
        best = float("inf")
        for _ in range(args.rounds):
            started = time.perf_counter()
            program.execute(scope.context)
            best = min(best, time.perf_counter() - started)
        per_unit = best * 1e6 / bound
        worst = max(worst, per_unit)
        verdict = "within" if bound <= EXPRESSION_BUDGET else "over"
        print(f"{name:24} {count:4} items {bound:>12,} units ({verdict}) "
              f"{best * 1000:9.2f} ms {per_unit:6.3f} us/unit")  # fmt: skip
        figures[name] = {"units": bound, "seconds": round(best, 6)}
    print(
        json.dumps(
            {
                "budget_units": EXPRESSION_BUDGET,
                "us_per_unit_max": round(worst, 4),
                "budget_seconds_max": round(worst * EXPRESSION_BUDGET / 1e6, 3),
                "shapes": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
