-- Names as DGCL meant them: the lists of 2008–2013 hold cp1252 characters read as latin-1 (C1 controls, « C\x9cur »
-- for « Cœur »); translate() maps the 27 C1 code points cp1252 defines to its characters (cp1252 → Unicode, a fixed
-- table). A name still damaged afterwards (a C1 code point cp1252 leaves undefined, U+FFFD, `¿` inside a word) is
-- flagged in labels_damaged, never guessed.
WITH cp1252(c1, characters) AS (
    SELECT chr(128) || chr(130) || chr(131) || chr(132) || chr(133) || chr(134) || chr(135) || chr(136) || chr(137)
                                   || chr(138) || chr(139) || chr(140) || chr(142) || chr(145) || chr(146) || chr(147)
                                   || chr(148) || chr(149) || chr(150) || chr(151) || chr(152) || chr(153) || chr(154)
                                   || chr(155) || chr(156) || chr(158) || chr(159),
           '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'
),
decoded AS (
    SELECT d.*, translate(d.nom, m.c1, m.characters) AS epci_label,
           translate(d.nom_com, m.c1, m.characters) AS commune_label
    FROM read_parquet('{validated}/dgcl_epci.parquet') d CROSS JOIN cp1252 m
)
SELECT
    year::INTEGER   AS year,
    siren           AS epci,
    epci_label,
    nature          AS epci_nature,
    insee           AS codgeo,
    commune_label,
    pmun_com::BIGINT AS population_municipale,
    epci_label IS DISTINCT FROM nom OR commune_label IS DISTINCT FROM nom_com AS labels_decoded,
    regexp_matches(epci_label, '[\x{80}-\x{9f}\x{fffd}]|[\pL\pN]¿|¿[\pL\pN]') OR regexp_matches(commune_label, '[\x{80}-\x{9f}\x{fffd}]|[\pL\pN]¿|¿[\pL\pN]') AS labels_damaged,
    source_file,
    source_line
FROM decoded
