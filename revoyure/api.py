"""The REST API at /api/v1/: one NinjaAPI assembling the routers of each domain app.

Every operation is authenticated by a personal API token or the session (`organisations.api.api_auth`);
operations override the permission they need.
"""

from revoyure.assessments.api import router as assessments_router
from revoyure.consultations.api import router as consultations_router
from revoyure.core.api import build_api
from revoyure.organisations.api import api_auth
from revoyure.organisations.api import router as organisations_router
from revoyure.qualification.api import router as qualification_router
from revoyure.registry.api import router as registry_router
from revoyure.reviews.api import router as reviews_router

api = build_api(auth=api_auth())
api.add_router("/", organisations_router)
api.add_router("/", registry_router)
api.add_router("/", qualification_router)
api.add_router("/", assessments_router)
api.add_router("/", consultations_router)
api.add_router("/", reviews_router)
