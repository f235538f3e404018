from publishing.api import BrandPostViewSet, LegalRuleViewSet

urlpatterns = []

API_ROUTES = [
    ("posts", BrandPostViewSet, "brand-post"),
    ("legal-rules", LegalRuleViewSet, "legal-rule"),
]
