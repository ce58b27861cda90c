from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import health
from partnership import views as partnership_views

# Each app's API, side by side under /api/v1/.
API_URLCONFS = (
    "partnership.api.urls",
    "referrals.api.urls",
    "cases.api.urls",
    "panels.api.urls",
    "core.notifications.api",
    "governance.api.urls",
    "reports.api.urls",
    "intelligence.api.urls",
)
api_v1 = [path("", include(urlconf)) for urlconf in API_URLCONFS]

urlpatterns = [
    path("", partnership_views.home, name="home"),
    path("privacy/", partnership_views.privacy_notice, name="privacy"),
    path("account/", include("partnership.urls")),
    path("manage/", include("partnership.manage_urls")),
    # Case, request, chronology and statistics pages keep their addresses under /referrals/.
    path("referrals/", include("cases.urls")),
    path("referrals/", include("reports.urls")),
    path("referrals/", include("referrals.urls")),
    path("panels/", include("panels.urls")),
    path("governance/", include("governance.urls")),
    path("intelligence/", include("intelligence.urls")),
    path("notifications/", include("core.notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/schema/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz/live", health.live, name="health-live"),
    path("healthz/ready", health.ready, name="health-ready"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
