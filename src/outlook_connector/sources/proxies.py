"""The proxy the environment names for a URL, read once when a client is made.

``HTTPS_PROXY`` (or ``ALL_PROXY``) names the proxy and ``NO_PROXY`` the hosts
reached directly, as curl and requests read them. The clients are made with
``trust_env`` off, so that nothing else in the environment (a CA bundle,
.netrc) overrides the configuration, and so that the environment is not read
again on every request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from requests.utils import get_environ_proxies


def environment_proxies(url: str) -> dict[str, str]:
    """requests' ``proxies`` for ``url``: empty when ``NO_PROXY`` names its host."""
    return dict(get_environ_proxies(url))


def environment_proxy(url: str) -> str | None:
    """The one proxy URL for ``url``, or None to connect directly."""
    proxies = environment_proxies(url)
    return proxies.get(urlsplit(url).scheme) or proxies.get("all")
