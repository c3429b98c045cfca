"""The bad-input harness: malformed variants of every table, run over every data-taking function.

* :mod:`.discover` lists the public callables (functions and methods from each package's
  ``__all__``) whose signature takes data;
* :mod:`.mutations` builds malformed variants of a table (hypothesis strategies, from the
  canonical schema in :data:`portfolio_lib.crm.SCHEMAS` where the table has one);
* :mod:`.recipes` says how to call each function on a small simulated company;
* :mod:`.outcome` sorts what happened: a clear error, an accepted result, a silent wrong
  result, or a crash.
"""
