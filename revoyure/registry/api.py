"""API endpoints for the register. Filled in by the API work."""

from ninja import Router

router = Router(tags=["register"])
