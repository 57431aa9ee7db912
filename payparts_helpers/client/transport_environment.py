"""What ``requests`` would read from the environment, read once when a client is made.

A ``requests.Session`` with ``trust_env=True`` (its default) re-reads every
environment variable on every call, twice (proxies, then ``NO_PROXY``): on a
machine with a hundred variables that is a large share of a local call's CPU.
httpx reads the environment once, when its client is made; this module does the
same for :class:`~payparts_helpers.client.PayPartsClient`, with ``requests``' own
functions, so the outcome is the one ``requests`` would reach:

- the proxy for each host the client talks to (``HTTPS_PROXY``, ``HTTP_PROXY``,
  ``ALL_PROXY``), or none when ``NO_PROXY`` names the host;
- the CA bundle from ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``.

``.netrc`` is not read: the client always sends explicit Basic auth, and
``requests`` consults ``.netrc`` only when a call has no auth of its own. A change
of these variables after the client was made reaches the next client, not this one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from requests.utils import get_environ_proxies

__all__ = ["TransportEnvironment"]

_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclass(frozen=True)
class TransportEnvironment:
    """The proxies per base URL and the TLS verification setting, as resolved at start."""

    proxies_by_url: Mapping[str, dict[str, str]]
    verify: bool | str

    @classmethod
    def read(cls, base_urls: Iterable[str]) -> TransportEnvironment:
        """Resolve for each of ``base_urls`` (every URL the client sends to starts with one)."""
        proxies = {url: dict(get_environ_proxies(url)) for url in dict.fromkeys(base_urls)}
        bundle = next((os.environ[v] for v in _CA_BUNDLE_VARIABLES if os.environ.get(v)), None)
        return cls(proxies, bundle or True)

    def proxies_for(self, base_url: str) -> dict[str, str]:
        """The proxies for a call to ``base_url`` (empty: connect directly)."""
        return self.proxies_by_url.get(base_url, {})
