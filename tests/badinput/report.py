"""Count the sweep's outcomes: ``python -m tests.badinput.report [--examples N] [-k TEXT]``.

Prints one line per non-clean case and the totals (errors / accepted / silent / crash), the
numbers quoted in issue 15.
"""

from __future__ import annotations

import argparse
import collections
import time
import warnings

from hypothesis import HealthCheck, Phase, given, settings

from .mutations import DRAWN_KINDS, variant
from .recipes import RECIPES
from .sweep import base_args, cases, run


def _checker(name, arg, kind, base, n, totals, seen):  # noqa: ANN001, ANN202
    """A hypothesis test of one case that counts outcomes into ``totals``."""

    @settings(max_examples=n, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck),
              phases=(Phase.explicit, Phase.generate))  # fmt: skip
    @given(drawn=variant(base, kind))
    def one(drawn: tuple[str, object]) -> None:
        outcome, _ = run(name, arg, drawn[1], kind=kind)
        totals[outcome.kind] += 1
        if outcome.kind in ("silent", "crash"):
            seen.append((drawn[0], f"{outcome.kind}: {outcome.detail}"))

    return one


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=2)
    parser.add_argument("-k", default="")
    parser.add_argument("--skip-slow", action="store_true")
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    totals: collections.Counter[str] = collections.Counter()
    functions: set[str] = set()
    spent: collections.Counter[str] = collections.Counter()
    start = time.time()
    for name, arg, kind in cases():
        if options.k not in f"{name}|{arg}|{kind}":
            continue
        if options.skip_slow and RECIPES[name].slow:
            continue
        functions.add(name)
        base = base_args(RECIPES[name])[arg]
        n = options.examples if kind in DRAWN_KINDS else 1
        seen: list[tuple[str, str]] = []

        one = _checker(name, arg, kind, base, n, totals, seen)
        t0 = time.time()
        one()
        spent[name] += time.time() - t0
        for what, detail in seen[:1]:
            print(f"{name}|{arg}|{kind} <{what}> {detail}"[:600])
    print("\nslowest:", ", ".join(f"{n} {t:.0f}s" for n, t in spent.most_common(12)))
    total = sum(totals.values())
    print(
        f"\n{len(functions)} functions, {total} inputs: "
        + ", ".join(f"{k} {totals[k]}" for k in ("error", "accepted", "silent", "crash"))
        + f" ({time.time() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
