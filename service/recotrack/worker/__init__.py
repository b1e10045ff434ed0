"""Background work of each replica, its state kept in PostgreSQL."""
