"""Pure rules of the domain: no I/O, no framework, nothing else of ours imported."""
