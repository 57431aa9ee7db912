"""Warnings and info about single fields: expire, text lengths, URLs, locale."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

from .findings import Finding
from .lint_context import LintContext, quoted

__all__ = [
    "DESCRIPTION_LIMIT",
    "REFERENCE_LIMIT",
    "check_expire",
    "check_locale",
    "check_text_limits",
    "check_urls",
]

# Limits of Pay.nl's *transaction* API (known-facts.md); Pay.Parts documents none.
DESCRIPTION_LIMIT = 32
REFERENCE_LIMIT = 64


def check_expire(ctx: LintContext) -> Iterator[Finding]:
    """A past expire makes a session that is dead on arrival; a naive one is ambiguous."""
    expire = ctx.body.get("expire")
    if not isinstance(expire, str) or not ctx.ok("expire"):
        return
    try:
        moment = datetime.fromisoformat(expire)
    except ValueError:
        return
    if moment.tzinfo is None:
        yield Finding(
            "warning",
            "expire",
            f"{quoted(expire)} has no time zone: add Z or an offset such as +01:00, "
            "or Pay.nl may read it in a time zone you did not mean",
        )
        moment = moment.replace(tzinfo=UTC)
    if moment <= ctx.now:
        yield Finding(
            "warning",
            "expire",
            f"{quoted(expire)} is in the past (now is {_utc_text(ctx.now)}): the session "
            "would be expired on arrival; set a moment in the future, or leave expire out",
        )


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_text_limits(ctx: LintContext) -> Iterator[Finding]:
    """Limits of Pay.nl's transaction API: warn, don't block (known-facts.md)."""
    for key, limit, why in (
        ("description", DESCRIPTION_LIMIT, " (it is shown on the bank statement)"),
        ("reference", REFERENCE_LIMIT, ""),
    ):
        text = ctx.body.get(key)
        if not isinstance(text, str) or not ctx.ok(key):
            continue
        if not text:
            yield Finding(
                "warning", key, f"{key} is empty: leave it out when you have nothing to send"
            )
        elif len(text) > limit:
            yield Finding(
                "warning",
                key,
                f"{key} is {len(text)} characters; Pay.nl's transaction API allows at most "
                f"{limit}{why}. Pay.Parts does not document a limit, but shorten it to be safe",
            )


def _is_local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def check_urls(ctx: LintContext) -> Iterator[Finding]:
    """http outside localhost leaks the customer's return; a local exchangeUrl gets no calls."""
    for key in ("returnUrl", "exchangeUrl"):
        url = ctx.body.get(key)
        if not isinstance(url, str) or not ctx.ok(key):
            continue
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            continue
        local = _is_local_host(host)
        if parts.scheme == "http" and not local:
            yield Finding(
                "warning", key, f"{key} uses http://: use https:// for anything but local tests"
            )
        if key == "exchangeUrl" and local:
            yield Finding(
                "info",
                key,
                f"exchangeUrl points at {host}, which Pay.nl cannot reach: fine against the "
                "local sandbox, but use a public URL (or a tunnel) to receive exchange calls",
            )


def check_locale(ctx: LintContext) -> Iterator[Finding]:
    """Both "nl" and "nl-NL" occur in practice (known-facts.md); say so, don't judge."""
    customer = ctx.body.get("customer")
    locale = customer.get("locale") if isinstance(customer, dict) else None
    if isinstance(locale, str) and "-" not in locale and ctx.ok("customer.locale"):
        yield Finding(
            "info",
            "customer.locale",
            f"bare language {quoted(locale)}: Pay.nl's shop plugin sends this form while the "
            'API page shows "nl-NL"; both occur in practice, add the country if you know it',
        )
