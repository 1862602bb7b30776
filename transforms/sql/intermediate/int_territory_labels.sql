-- A COG label damaged by a wrong decoding (U+FFFD, a C1 control, `¿` inside a word: the rule label_encoding of
-- expectations/rules.py) is repaired from the other label source where it has the right one: for an EPCI, DGCL's
-- name of the same SIREN and the same 1 January (stg_dgcl_epci_composition, itself decoded), taken only when it is
-- undamaged, one name, and equal to the COG label at every other character (each damaged character matches any
-- one character). A label that cannot be repaired so is kept and flagged (label_damaged), never guessed.
WITH labels AS (
    SELECT *, regexp_matches(label, '[\x{80}-\x{9f}\x{fffd}]|[\pL\pN]¿|¿[\pL\pN]') AS damaged
    FROM stg_territory_labels
),
repairs AS (
    SELECT l.geo_year, l.nivgeo, l.code, CASE WHEN count(DISTINCT d.epci_label) = 1 THEN any_value(d.epci_label) END
           AS repaired
    FROM labels l
    JOIN stg_dgcl_epci_composition d
      ON l.nivgeo = 'EPCI' AND d.year = l.geo_year AND d.epci = l.code AND NOT d.labels_damaged
     AND length(d.epci_label) = length(l.label)
     AND d.epci_label LIKE regexp_replace(replace(replace(replace(l.label, '\', '\\'), '%', '\%'), '_', '\_'),
                                          '[\x{80}-\x{9f}\x{fffd}¿]', '_', 'g') ESCAPE '\'
    WHERE l.damaged
    GROUP BY ALL
)
SELECT l.geo_year, l.nivgeo, l.code, coalesce(r.repaired, l.label) AS label,
       r.repaired IS NOT NULL AS label_repaired, l.damaged AND r.repaired IS NULL AS label_damaged
FROM labels l
LEFT JOIN repairs r USING (geo_year, nivgeo, code)
