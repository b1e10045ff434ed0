"""PostgreSQL through asyncpg: the SQL of each aggregate, migrations and the connection pool."""
