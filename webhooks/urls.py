"""Routes of the webhooks app under /v1."""

from django.urls import re_path

from webhooks.views import WebhookEndpointViewSet

endpoints = WebhookEndpointViewSet.as_view

urlpatterns = [
    re_path(r"^webhooks/?$", endpoints({"get": "list", "post": "create"}), name="webhooks"),
    re_path(r"^webhooks/deliveries/(?P<pk>[^/]+)/redeliver/?$", endpoints({"post": "redeliver"}), name="redeliver"),
    re_path(r"^webhooks/(?P<pk>[^/]+)/deliveries/?$", endpoints({"get": "deliveries"}), name="webhook-deliveries"),
    re_path(r"^webhooks/(?P<pk>[^/]+)/rotate-secret/?$", endpoints({"post": "rotate_secret"}), name="webhook-rotate"),
    re_path(
        r"^webhooks/(?P<pk>[^/]+)/?$",
        endpoints({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="webhook-detail",
    ),
]
