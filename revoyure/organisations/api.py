"""API endpoints for organisations (read). Filled in by the API work."""

from ninja import Router

router = Router(tags=["organisations"])
