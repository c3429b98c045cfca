"""Reading raw values into the schema's kinds: :func:`parse_values`, :func:`apply_dtypes`.

The implementation lives in the private :mod:`portfolio_lib.quality._parsing`, whose helpers
the validators share; this module keeps the public names where they always were.
"""

from portfolio_lib.quality._parsing import apply_dtypes, parse_values

__all__ = ["apply_dtypes", "parse_values"]
