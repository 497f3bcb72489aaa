"""Which consent text versions exist. The texts live with the forms that show them (the landing
app's ConsentText); the funnel only needs to know a version is real before it records someone
agreed to it, so the owner registers a provider here (in its AppConfig.ready()) and the funnel
never imports it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from config.errors import ApplicationError

UNKNOWN_CONSENT_VERSION = "unknown_consent_version"
_providers: list[Callable[[], Iterable[str]]] = []


def consent_versions_provider_register(provider: Callable[[], Iterable[str]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def consent_versions_known() -> set[str] | None:
    """Every published consent text version; None when no app provides texts (then any
    version is taken as given)."""
    if not _providers:
        return None
    return {v for provider in _providers for v in provider()}


def consent_version_check(version: str) -> None:
    """Raise ApplicationError 422 `unknown_consent_version` (naming the known ones) unless
    `version` is a published consent text version."""
    known = consent_versions_known()
    if known is None or version in known:
        return
    listed = "、".join(sorted(known)) or "（尚未发布任何授权文本）"
    raise ApplicationError(
        UNKNOWN_CONSENT_VERSION,
        f"未知的授权文本版本 {version!r}，已发布的版本：{listed} / unknown consent version",
        status=422,
        extra={"version": version},
    )
