"""Djoser mounted at /auth/, as its documentation has it: djoser.urls and djoser.urls.jwt."""
from django.urls import include, path

urlpatterns = [
    path("auth/", include("djoser.urls")),
    path("auth/", include("djoser.urls.jwt")),
]
