"""Public text the clinic sends to people (a WeCom welcome message …) must pass the
medical-advertising check (广告法第九、十六条，医疗广告管理办法第七条) like published pages.

The checker belongs to the content app (`cms.compliance`); the funnel holds only this hook, so
that a connector (which may import neither cms nor landing) can ask for it: cms registers its
checker here in its `AppConfig.ready()`, the way landing registers its consent versions
(`funnel.consent`). Nothing registered means nothing may be sent: callers fail closed."""

from __future__ import annotations

from collections.abc import Callable

# text → the blocking problems found, each a short readable line ("ad16-guarantee「保证治愈」：…")
Checker = Callable[[str], list[str]]
_checkers: list[Checker] = []


def public_text_checker_register(checker: Checker) -> None:
    if checker not in _checkers:
        _checkers.append(checker)


def public_text_problems(text: str) -> list[str] | None:
    """The blocking findings every registered checker reports for `text` ([] = it may go out);
    None when no checker is registered (the caller must not send: nothing was checked)."""
    if not _checkers:
        return None
    return [problem for checker in _checkers for problem in checker(text)]


# Text a 科普 page shows that is kept outside the CMS (a specialty's name and description, on
# its doctor pages and in every one of its 科普 articles' metadata) passes the 科普 rules too
# (《广告法》第十九条: no contact or invitation). cms registers the check it runs on site names.
_science_checkers: list[Checker] = []


def science_text_checker_register(checker: Checker) -> None:
    if checker not in _science_checkers:
        _science_checkers.append(checker)


def science_text_problems(text: str) -> list[str] | None:
    """The blocking findings of the 科普 check for `text` ([] = it may be shown on 科普 pages);
    None when no checker is registered (the caller must refuse: nothing was checked)."""
    if not _science_checkers:
        return None
    return [problem for checker in _science_checkers for problem in checker(text)]
