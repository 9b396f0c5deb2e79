"""Pure ASGI middleware, one per file (never BaseHTTPMiddleware on the hot path)."""
