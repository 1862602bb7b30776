"""Producers' files: one module (or package) per producer; the ingestion machinery (registry, origins, fetch and
landing, the gate, the validated store) in the subpackage `sources.ingestion`, which producers never import.

Adding a source
===============
A source is one module under `sources/` (a package, like `sources/emd/`, when it is large). It defines, after
its parser, `SOURCES = [SourceSpec(...), ...]` (`sources/spec.py`; one module may declare several related
sources, as `insee_cog.py` does). Each spec holds, in this order:

- `id` and `parser` (`paths → Parsed(frame, notes)`; raise `SourceError` naming file, line and rule for a file
  that cannot be read in its official layout); `empty` (the schema published until a file is configured) for a
  source with nothing bundled; `role="reference"` for data only the reproduction reads;
- `expectations`: the rules the parsed frame must pass, as data (`expectations/rules.py`): `r.rows(...)` on the
  frame itself, then `r.Batch(name, frame → derived frame, [...])` for rules on derived frames (rows per year …).
  Each rule is built with `r.matches`, `r.in_set`, `r.between`, `r.not_null`, `r.unique`, `r.row_count` … and a
  rule name that quarantine reports show; `severity="warning"` only with its `why`; `france_wide=True` on a
  bound that counts France's rows (a row count, rows per vintage; also on a completeness `Partition`), so that it
  scales to a narrower OBSERVATOIRE_SCOPE (`sources/ingestion/scope.py`). Every label column (names of
  territories, indicators …) takes `*r.label_rules(<columns>)` (mojibake: U+FFFD, C1 controls, `¿` inside a word;
  a documented quirk of real deliveries as `known=r.KnownQuirk(...)`, a warning where it is known; tests/test_labels.py
  lists the label columns of every source). Required: a module whose
  source declares none stops the import (`SourceDeclarationError`, naming the module), so does an id declared
  twice or a source with no bundled file and no `empty` schema;
- `completeness` (`expectations/completeness.py`): the partitions a complete delivery holds and the keys compared
  with the last good content (default: every file gives rows, the whole content may not shrink by more than 5 %);
- provenance: producer, product, product page, official URLs, bundled files (relative to `sources/data/`, each
  listed with its sha256 in `sources/data/SHA256SUMS`), `extract_files`, licence, attribution, layout.

Nothing else lists sources: `sources/ingestion/registry.py` imports every module of the package and keeps those with a
`SOURCES` list; the validation engine (`expectations/`) runs what they declare. The rest of a new source is the
warehouse's side: its staging model in `transforms/sql/staging/` with its YAML (dbt's model properties), its
indicator model `transforms/sql/intermediate/int_indicators_<x>.sql` and its catalogue entries in
`transforms/indicators.yml`. Its files are bundled under `sources/data/` (with their sha256 in SHA256SUMS) or
configured in `origins.yml`. `tests/test_new_source.py` adds a source this way, five files, in a copy of the project.
"""
