"""Run one function with one malformed argument; shared by the test suite and the report."""

from __future__ import annotations

import inspect

import pandas as pd

from portfolio_lib.crm import CRMData

from .mutations import kinds_for
from .outcome import Outcome, classify
from .recipes import RECIPES, Company, Recipe

#: The recipe argument that holds the object a method is called on.
RECEIVER = "self"
_COMPANY: Company | None = None
_BASELINES: dict[str, object] = {}


def company() -> Company:
    """The session's valid inputs (built once)."""
    global _COMPANY
    if _COMPANY is None:
        _COMPANY = Company()
    return _COMPANY


def base_args(recipe: Recipe) -> dict[str, object]:
    c = company()
    return {arg: getattr(c, key) for arg, key in recipe.data.items()}


def baseline(name: str) -> object:
    """The function's result on valid input (computed once)."""
    if name not in _BASELINES:
        recipe = RECIPES[name]
        _BASELINES[name] = recipe.call(**base_args(recipe))
    return _BASELINES[name]


def cases() -> list[tuple[str, str, str]]:
    """Every (function, argument, kind) the sweep tries."""
    out = []
    c = company()
    for name, recipe in sorted(RECIPES.items()):
        for arg, key in recipe.data.items():
            if arg == RECEIVER:  # the fitted object a method is called on: not an argument
                continue
            for kind in kinds_for(getattr(c, key)):
                out.append((name, arg, kind))
    return out


#: The words messages use for a base value (its table's names).
_TABLE_WORDS = {
    "tx": ("transactions",),
    "touchpoints": ("events",),
    "mystery": ("visits", "mystery_shopping"),
    "contacts": ("campaign_contacts",),
    "features": ("ChurnFeatures", "features"),
    "features_frame": ("features",),
    "rfm": ("table",),
    "tables": ("transactions", "data"),
    "surveys": ("responses",),
}


def names_for(recipe: Recipe, arg: str, base: object) -> tuple[str, ...]:
    """What a clear message may name: the argument, its columns, the table's usual names."""
    names = [arg, arg.rstrip("_"), arg.removesuffix("_a").removesuffix("_b"),
             *recipe.aliases.get(arg, ())]  # fmt: skip
    if isinstance(base, pd.DataFrame):
        names += [str(c) for c in base.columns]
    if isinstance(base, pd.Series) and base.name is not None:
        names.append(str(base.name))
    if isinstance(base, CRMData | dict):
        names += ["transactions", "customer_id", "date", "amount"]
    key = recipe.data[arg]
    names += [key, *_TABLE_WORDS.get(key, ())]
    return tuple(dict.fromkeys(n for n in names if n))


def run(name: str, arg: str, value: object, *, kind: str = "") -> tuple[Outcome, object]:
    """Call ``name`` with ``arg`` replaced by ``value`` (a variant of ``kind``); sort the outcome."""
    recipe = RECIPES[name]
    args = base_args(recipe)
    names = names_for(recipe, arg, args[arg])
    args[arg] = value
    return classify(
        lambda: recipe.call(**args), names=names, baseline=baseline(name), kind=kind,
        nan_ok=recipe.nan_ok,
    )  # fmt: skip


def parameters(func: object) -> list[str]:
    return [p for p in inspect.signature(func).parameters if p != "self"]
