"""API endpoints of the register, one module per concept, mounted on one router."""

from ninja import Router

from revoyure.registry import api_attachments, api_history, api_tools, api_vendors

router = Router()
router.add_router("", api_tools.router)
router.add_router("", api_history.router)
router.add_router("", api_vendors.router)
router.add_router("", api_attachments.router)
