"""HTTP adapters: thin Flask blueprints that call into the core."""
