"""The HTTP API under /api/v1: every app's router, one auth, problem+json errors, OpenAPI 3."""

from django.utils.translation import gettext_lazy

from yalls.accounts.api import me_router
from yalls.accounts.api import router as auth_router
from yalls.core.api import MEMBER_AUTH, install_problem_handlers
from yalls.core.input_guard import JsonParser
from yalls.core.openapi import YallsAPI
from yalls.entities.api import router as entities_router

api = YallsAPI(
    title=gettext_lazy("yalls API"),
    version="1",
    description="The yalls platform API. Authenticate with `POST /api/v1/auth/token`, then send "
    "`Authorization: Bearer <access_token>`. Errors are RFC 9457 problem+json with a stable `code`.",
    auth=MEMBER_AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
    parser=JsonParser(),  # refuses JSON nested past 64 levels and unstorable text, with a 400
)
install_problem_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/entities", entities_router)
api.add_router("/flags", "yalls.core.flags.api.router")
api.add_router("/me/links", "yalls.accounts.linked_accounts.api.router")
api.add_router("/moderation", "yalls.accounts.linked_accounts.api.moderation_router")
api.add_router("/posts", "yalls.social.api.posts.router")
api.add_router("/notifications", "yalls.notifications.api.router")
api.add_router("/entities", "yalls.social.api.posts.approvals_router")  # /{handle}/approvals
api.add_router("", "yalls.social.api.engagement.router")  # favorites, pins, follows...
