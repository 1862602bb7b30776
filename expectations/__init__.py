"""Great Expectations suites per source, cross-source checks, and the runner that quarantines failures."""
