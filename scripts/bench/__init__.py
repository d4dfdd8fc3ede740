"""``make bench``: load synthetic patients, serve the API with gunicorn and measure it (not in CI)."""
