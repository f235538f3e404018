"""Pages and API routes of spikes; included by riskdesk/urls.py."""

urlpatterns = []
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = []
