"""The tutorial's URLs, plus /api/me/ protected by JWTAuthentication."""
from django.urls import path
from rest_framework_simplejwt.views import (
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from usermodel.views import APILogoutView, MeView

urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/token/verify/", TokenVerifyView.as_view(), name="token_verify"),
    path("logout_token/", APILogoutView.as_view(), name="logout_token"),
    path("api/me/", MeView.as_view(), name="me"),
]
