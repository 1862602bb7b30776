SELECT level, code, geo_year, label, label_missing, label_damaged FROM int_territory
