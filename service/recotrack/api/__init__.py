"""HTTP: Litestar controllers, authentication, guards and the mapping of errors to problems."""
