"""Statistical methods SQL expresses badly, as small tested Python functions (also registered as DuckDB UDFs)."""
