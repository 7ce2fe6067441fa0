"""Test harness helpers: throw-away PostgreSQL, a live server, the browser, strictness."""
