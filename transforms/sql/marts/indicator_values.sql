-- The runner expands the macro into the union of every indicator model (transforms/sql/intermediate/
-- int_indicators_*.sql), UNION ALL BY NAME in name order.
{{ union_indicator_models() }}
