"""Snippet choosers that check the model's permission, and choosers scoped like the pages
they stand for.

Wagtail's snippet chooser (`/admin/snippets/choose/<app>/<model>/`: list, search, chosen,
chosen-multiple) lists and labels the whole model to any admin user: it checks no permission
and ignores the viewset's `get_queryset`. Every snippet viewset of the project derives from
`CheckedSnippetViewSet`, whose chooser answers 403 to a user without the model's view or
change permission (the permission policy Wagtail registers for the model decides, as on the
listing) and, for a model whose rows belong to a lead (`lead_owned_register`), lists and
answers only the rows the pages show that user (`lead_owned_visible_to`). Leads, follow-ups
and care plans use their own selectors (`scoped_chooser_viewset`)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permissions import policy_registry
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views.snippets import SnippetViewSet

from config.admin_policies import AdminTimesViewSetMixin, NoEmptyExportViewSetMixin
from funnel.selectors import lead_owned_visible_to

# A chooser lists and labels rows: the permissions that let a user list them elsewhere.
CHOOSE_PERMISSIONS = ("view", "change")


class ChooserPermissionMixin(PermissionCheckedMixin):
    """403 unless the model's permission policy gives the user one of CHOOSE_PERMISSIONS."""

    any_permission_required = CHOOSE_PERMISSIONS

    @cached_property
    def permission_policy(self):
        return policy_registry.get_by_type(self.model_class)


class LeadOwnedRowsMixin:
    """For a lead-owned model: only the rows `lead_owned_visible_to` gives the user (another
    assistant's patient's row is not listed, and its id answers 404); other models whole."""

    def _visible(self, rows: QuerySet) -> QuerySet:
        visible = lead_owned_visible_to(user=self.request.user, model=self.model_class)
        return rows if visible is None else rows.filter(pk__in=visible.values("pk"))

    def get_object_list(self):
        return self._visible(super().get_object_list())

    def get_object(self, pk):
        return get_object_or_404(self._visible(self.model_class._default_manager.all()), pk=pk)

    def get_objects(self, pks):
        return self._visible(super().get_objects(pks))


class ChooseView(ChooserPermissionMixin, LeadOwnedRowsMixin, snippet_chooser.ChooseView):
    pass


class ChooseResultsView(
    ChooserPermissionMixin, LeadOwnedRowsMixin, snippet_chooser.ChooseResultsView
):
    pass


class ChosenView(ChooserPermissionMixin, LeadOwnedRowsMixin, snippet_chooser.SnippetChosenView):
    pass


class ChosenMultipleView(
    ChooserPermissionMixin, LeadOwnedRowsMixin, snippet_chooser.SnippetChosenMultipleView
):
    pass


class CheckedSnippetChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    """Wagtail's snippet chooser with every view permission-checked (its create view already
    needs the model's add permission) and lead-owned rows scoped."""

    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView


class CheckedSnippetViewSet(AdminTimesViewSetMixin, NoEmptyExportViewSetMixin, SnippetViewSet):
    """The base of every snippet viewset here: its chooser checks the model's permission.
    `tests/funnel/test_chooser_permissions.py` walks every chooser URL, so a viewset derived
    from Wagtail's class directly fails there."""

    chooser_viewset_class = CheckedSnippetChooserViewSet


def scoped_chooser_viewset(
    visible_to: Callable[..., QuerySet], name: str
) -> type[snippet_chooser.SnippetChooserViewSet]:
    """A checked snippet chooser viewset class (the model's permission first) whose every view
    then goes through `visible_to(user=…)` (a queryset of the objects the user may see): the
    listing, its search and pages, several chosen at once, and one chosen id (another
    assistant's answers 404, it would carry the object's label). Every lead-linked snippet
    (lead, follow-up, care plan) sets `chooser_viewset_class` to one of these."""

    class Choices:
        def get_object_list(self):
            return visible_to(user=self.request.user)

    class ScopedChooseView(Choices, ChooseView):
        pass

    class ScopedChooseResultsView(Choices, ChooseResultsView):
        pass

    class ScopedChosenView(ChosenView):
        def get_object(self, pk):
            return get_object_or_404(visible_to(user=self.request.user), pk=pk)

    class ScopedChosenMultipleView(ChosenMultipleView):
        def get_objects(self, pks):
            return visible_to(user=self.request.user).filter(pk__in=pks)

    return type(
        name,
        (CheckedSnippetChooserViewSet,),
        {
            "choose_view_class": ScopedChooseView,
            "choose_results_view_class": ScopedChooseResultsView,
            "chosen_view_class": ScopedChosenView,
            "chosen_multiple_view_class": ScopedChosenMultipleView,
        },
    )
