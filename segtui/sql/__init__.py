"""segtui's rules and customer view as SQL for other engines (DuckDB, Spark, Postgres, …).

``rules_sql`` turns a rule set into one query over a customer-view table, ``view_sql``
the customer view itself into one query over a canonical transactions table, and
``engines`` runs both on DuckDB.  Polars stays the reference: every query here is
tested to give exactly what ``build_customers`` and ``Evaluator`` give.
"""

from segtui.sql.rules_sql import DIALECTS, portability_problems, predicate_sql, rules_sql, summary_sql

__all__ = ["DIALECTS", "portability_problems", "predicate_sql", "rules_sql", "summary_sql"]
