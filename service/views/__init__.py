"""The endpoints, one module per page family, Datasette-style. Each reads the
shared objects from `request.app.state.site`; `errors.py` holds the exception
handlers that render every error response."""
