"""Build the warehouse into a temporary file, audit and document it, publish it atomically."""
