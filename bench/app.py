"""`create_app()` at import time, for servers that take an import path (granian, uvicorn)."""

from service import create_app

app = create_app()
