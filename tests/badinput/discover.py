"""Every public callable that takes data, found from the packages' ``__all__``.

A callable *takes data* when one of its parameters is annotated with a pandas
``DataFrame``/``Series``, a numpy array, ``ArrayLike`` or ``CRMData``, or is named like a
table (``transactions``, ``events``, ``summary``, ...). Methods count too: the public
methods of every class in ``__all__`` (inherited ones included, scikit-learn's plumbing
excluded). New public functions are therefore picked up without editing this file.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

#: The packages whose public functions take customer data (course material - lessons,
#: exercises, report, plotting - sits on top of these and is not swept).
PACKAGES = (
    "acquisition",
    "campaigns",
    "churn",
    "clv",
    "communication",
    "cross_sell",
    "crm",
    "datasets",
    "decisions",
    "describe",
    "engines",
    "equity",
    "identity",
    "journey",
    "lifecycle",
    "loyalty",
    "matrix",
    "portfolio",
    "quality",
    "rfm",
    "satisfaction",
    "segmentation",
    "store",
    "trends",
)
#: Modules of portfolio_lib that the sweep leaves out, and why; every other module must be in
#: PACKAGES (``test_every_module_is_swept_or_excluded``), so a new module is not forgotten.
NOT_SWEPT: dict[str, str] = {
    "course": "course material on top of the packages",
    "exercises": "course material on top of the packages",
    "glossary": "course material on top of the packages (terms, no customer data)",
    "lessons": "course material on top of the packages",
    "plotting": "course material on top of the packages (draws results)",
    "report": "course material on top of the packages",
    "data": "bundled files, no functions",
    "simulate": "generates the valid input the sweep starts from",
}
DATA_ANNOTATIONS = ("DataFrame", "Series", "ndarray", "ArrayLike", "CRMData")
DATA_NAMES = frozenset(
    {"transactions", "tx", "events", "surveys", "complaints", "summary", "frame", "data", "df",
     "customers", "visits", "scores", "values", "texts", "labels", "items", "table", "tables",
     "y_true", "score", "prob", "series", "responses", "funnel", "rates", "contacts",
     "campaigns", "segments", "clv", "cal_holdout", "calibration", "later_transactions",
     "suggestions", "mystery_shopping", "mystery", "path_or_frame", "clean_transactions",
     "frequency", "recency", "T", "monetary_value", "survivors", "X", "best", "importance",
     "acquisition_cost", "split", "matrix", "result", "model", "drivers", "corr", "a", "b",
     "source"}
)  # fmt: skip
#: Methods inherited from scikit-learn or attrs that are not the package's own.
SKIP_METHODS = frozenset(
    {"get_params", "set_params", "set_fit_request", "get_metadata_routing", "summary",
     "describe", "close", "counts"}
)  # fmt: skip


def _takes_data(func: Callable[..., object]) -> bool:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return False
    for name, param in sig.parameters.items():
        if name == "self":
            continue
        annotation = str(param.annotation)
        if any(a in annotation for a in DATA_ANNOTATIONS):
            return True
        scalar = annotation.split(" |")[0] in ("str", "int", "float", "bool")
        if name in DATA_NAMES and not scalar:
            return True
    return False


def unlisted_modules() -> list[str]:
    """Public modules of portfolio_lib in neither PACKAGES nor NOT_SWEPT."""
    import pkgutil

    import portfolio_lib

    names = {m.name for m in pkgutil.iter_modules(portfolio_lib.__path__)}
    public = {n for n in names if not n.startswith("_")}
    return sorted(public - set(PACKAGES) - set(NOT_SWEPT))


def data_taking_callables() -> dict[str, Callable[..., object]]:
    """``{"rfm.rfm_table": rfm_table, "clv.BetaGeo.fit": BetaGeo.fit, ...}``."""
    found: dict[str, Callable[..., object]] = {}
    for package in PACKAGES:
        module = importlib.import_module(f"portfolio_lib.{package}")
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                if issubclass(obj, BaseException):
                    continue
                for method, func in inspect.getmembers(obj, inspect.isfunction):
                    if method.startswith("_") or method in SKIP_METHODS:
                        continue
                    if not func.__module__.startswith("portfolio_lib"):
                        continue
                    if _takes_data(func):
                        found[f"{package}.{name}.{method}"] = func
            elif callable(obj) and _takes_data(obj):
                found[f"{package}.{name}"] = obj
    return found
