"""Snippet choosers scoped like the pages they stand for.

Wagtail's snippet chooser (`/admin/snippets/choose/<app>/<model>/`) lists the whole model to
any admin user: it neither applies the viewset's `get_queryset` nor checks a view permission.
Every snippet whose rows belong to a lead (or that a user may not list) sets its viewset's
`chooser_viewset_class` to one built here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from wagtail.snippets.views import chooser as snippet_chooser


def scoped_chooser_viewset(
    visible_to: Callable[..., QuerySet], name: str
) -> type[snippet_chooser.SnippetChooserViewSet]:
    """A snippet chooser viewset class whose every view goes through `visible_to(user=…)` (a
    queryset of the objects the user may see): the listing, its search and pages, several
    chosen at once, and one chosen id (another assistant's answers 404, it would carry the
    object's label). Wagtail's default chooser lists the whole model, so every lead-linked
    snippet (lead, follow-up, care plan) sets `chooser_viewset_class` to one of these."""

    class Choices:
        def get_object_list(self):
            return visible_to(user=self.request.user)

    class ChooseView(Choices, snippet_chooser.ChooseView):
        pass

    class ChooseResultsView(Choices, snippet_chooser.ChooseResultsView):
        pass

    class ChosenView(snippet_chooser.SnippetChosenView):
        def get_object(self, pk):
            return get_object_or_404(visible_to(user=self.request.user), pk=pk)

    class ChosenMultipleView(snippet_chooser.SnippetChosenMultipleView):
        def get_objects(self, pks):
            return visible_to(user=self.request.user).filter(pk__in=pks)

    return type(
        name,
        (snippet_chooser.SnippetChooserViewSet,),
        {
            "choose_view_class": ChooseView,
            "choose_results_view_class": ChooseResultsView,
            "chosen_view_class": ChosenView,
            "chosen_multiple_view_class": ChosenMultipleView,
        },
    )


def with_view_permission(model: type[Model]) -> Callable[..., QuerySet]:
    """A `visible_to(user=…)` for a model without per-lead scope: every row to a user who may
    view or change the model (the listing's own rule), none to anyone else."""
    label = f"{model._meta.app_label}"
    name = model._meta.model_name

    def visible_to(*, user: Any) -> QuerySet:
        if user.has_perm(f"{label}.view_{name}") or user.has_perm(f"{label}.change_{name}"):
            return model._default_manager.all()
        return model._default_manager.none()

    return visible_to
