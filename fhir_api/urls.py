"""Routes under /fhir/R4 (included at ``fhir/R4``; trailing slash optional): each resource type's type and
instance interactions, 405 for the interactions not implemented, 404 for resource types not served."""

from django.urls import re_path

from fhir_api import views

# FHIR ids: [A-Za-z0-9\-\.]{1,64}.
ID = r"(?P<pk>[A-Za-z0-9\-.]{1,64})"
TYPE_ACTIONS = {"search-type": ("get", "search"), "create": ("post", "create")}
INSTANCE_ACTIONS = {"read": ("get", "read"), "update": ("put", "update")}


def _routes(view):
    name = view.resource_type
    type_actions = dict(TYPE_ACTIONS[code] for code in view.interactions if code in TYPE_ACTIONS)
    instance_actions = dict(INSTANCE_ACTIONS[code] for code in view.interactions if code in INSTANCE_ACTIONS)
    return [
        re_path(rf"^/{name}/?$", view.as_view(type_actions), name=f"fhir-{name.lower()}-type"),
        re_path(rf"^/{name}/{ID}/?$", view.as_view(instance_actions), name=f"fhir-{name.lower()}"),
        # _history, _search, $operations, and anything below an instance.
        re_path(rf"^/{name}/(?P<interaction>[_$][^/]*)/?$", views.UnsupportedInteraction.as_view()),
        re_path(rf"^/{name}/{ID}/(?P<interaction>.+)$", views.UnsupportedInteraction.as_view()),
    ]


urlpatterns = [
    re_path(r"^/metadata/?$", views.MetadataView.as_view(), name="fhir-metadata"),
    # Whole-system interactions (batch/transaction, system search, history).
    re_path(r"^/?$", views.UnsupportedInteraction.as_view()),
    re_path(r"^/(?P<interaction>_history|_search)/?$", views.UnsupportedInteraction.as_view()),
    *[route for view in views.RESOURCE_VIEWS for route in _routes(view)],
    re_path(r"^/(?P<resourceType>[A-Z][A-Za-z]{0,63})(?P<rest>/.*)?$", views.UnknownResourceType.as_view()),
]
