"""The validation engine: rules as data (rules.py), completeness and shrinkage, the GX runner, the gate that
quarantines failures, and the cross-source checks. Each source declares its own rules in its module under sources/."""
