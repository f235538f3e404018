"""Pages and API routes of lists; included by riskdesk/urls.py."""

urlpatterns = []
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = []
