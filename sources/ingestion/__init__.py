"""The ingestion machinery, one floor above the producers' modules: origins (settings, origins.yml), fetch and
landing (checksums), the gate (fetch → parse → validate → store), the validated store, the registry that discovers
the producers' modules, the run's scope. Producers' modules (sources/<producer>.py) never import it."""
