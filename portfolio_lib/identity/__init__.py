"""Customer identification (müşteri tanılama): one person, one customer.

One person often has several records - a loyalty card, a web account, an app login, a
call-centre entry - with typos, Turkish letters typed as ASCII, e-mails changed over time and
phones written three ways. :func:`resolve` links them by probabilistic record linkage on
`Splink <https://moj-analytical-services.github.io/splink/>`_ (DuckDB by default, Spark for a
cluster, the same settings):

1. normalise (:mod:`~portfolio_lib.identity.normalise`): Turkish-aware case folding and
   transliteration, names without titles, phones in E.164, canonical e-mails; optionally
   salted hashes of e-mail, phone and id number (:mod:`~portfolio_lib.identity.hashing`);
2. block, compare, train and score (:mod:`~portfolio_lib.identity.model`);
3. cluster the pairs at ``threshold`` into persons (connected components) and build one
   golden record per person (:mod:`~portfolio_lib.identity.golden`);
4. check against a truth (:mod:`~portfolio_lib.identity.metrics`).

The columns of any person table are read through a role mapping
(:mod:`~portfolio_lib.identity.roles`).

Examples
--------
Two spellings of one name and one phone compare equal after normalisation (see
:func:`resolve` for a linkage example):

>>> normalise_name("İSMAİL IŞIK") == normalise_name("Ismail Isik")
True
>>> normalise_phone("0 (532) 123-45-67")
'+905321234567'
"""

from portfolio_lib.identity.hashing import hash_column, hash_identifier
from portfolio_lib.identity.metrics import cluster_metrics, pairwise_metrics
from portfolio_lib.identity.normalise import (
    fold_case,
    normalise_birth_date,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_text,
    to_ascii,
)
from portfolio_lib.identity.resolve import resolve
from portfolio_lib.identity.result import IdentityEvaluation, IdentityResult
from portfolio_lib.identity.roles import ROLES

__all__ = [
    "resolve",
    "IdentityResult",
    "IdentityEvaluation",
    "ROLES",
    "fold_case",
    "to_ascii",
    "normalise_name",
    "normalise_text",
    "normalise_phone",
    "normalise_email",
    "normalise_birth_date",
    "hash_identifier",
    "hash_column",
    "pairwise_metrics",
    "cluster_metrics",
]
