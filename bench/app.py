"""`create_app()` at import time, for uvicorn in bench/run.py (the same app over ASGI)."""

from service import create_app

app = create_app()
