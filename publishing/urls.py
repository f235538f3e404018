from publishing.api import BrandPostViewSet

urlpatterns = []

API_ROUTES = [("posts", BrandPostViewSet, "brand-post")]
