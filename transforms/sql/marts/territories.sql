SELECT level, code, geo_year, label, label_missing FROM int_territory
