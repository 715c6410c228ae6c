"""The REST API at /api/v1/: one NinjaAPI assembling the routers of each domain app."""

from revoyure.core.api import build_api
from revoyure.organisations.api import router as organisations_router
from revoyure.registry.api import router as registry_router

api = build_api()
api.add_router("/", organisations_router)
api.add_router("/", registry_router)
