"""The analysts' data dictionary and lineage page: every published table, its columns and its lineage, read from
the published warehouse only, offline (no external asset)."""

import re

from reports.dictionary import write_dictionary


def test_the_dictionary_lists_every_table_with_its_lineage(small_home, tmp_path):
    path = write_dictionary(small_home / "warehouse" / "observatoire.duckdb", tmp_path)
    text = path.read_text(encoding="utf-8")
    assert 'id="indicator_values"' in text and 'id="mart_population"' in text and 'id="data_dictionary"' in text
    section = text.split('id="mart_population"')[1].split("<h2")[0]
    # mart_population reads indicator_values and territories (its SQL); indicator_values is read by it
    assert '<a href="#indicator_values">' in section and '<a href="#territories">' in section
    union = text.split('id="indicator_values"')[1].split("<h2")[0]
    assert "Lue par" in union and '<a href="#mart_population">' in union
    stg = text.split('id="stg_urssaf_effectifs"')[1].split("<h2")[0]
    assert "<code>urssaf_effectifs</code>" in stg  # its source
    assert not re.search(r"(src|href)=['\"]https?://", text)
