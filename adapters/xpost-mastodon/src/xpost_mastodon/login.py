"""``xpost auth login mastodon``: register xpost as an app, then the OAuth code flow.

``POST /api/v1/apps`` (once per instance: the client id and secret are kept with the
token), the user opens ``/oauth/authorize`` and copies the code Mastodon shows
(``urn:ietf:wg:oauth:2.0:oob``), and ``POST /oauth/token`` trades it for a token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from xpost.plugin import ApiClient, PublishError, UsageError

REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
#: Only what xpost does: read the account and statuses, write statuses and media.
SCOPES = "read:accounts read:statuses write:statuses write:media"


def login(
    api_base: str,
    credentials: Mapping[str, str],
    ask: Callable[[str], str],
    tell: Callable[[str], None],
) -> dict[str, str]:
    found: dict[str, str] = {}
    with ApiClient(
        api_base,
        label="Mastodon",
        config_key="[mastodon] api_base",
        timeout=30.0,
        secrets=[credentials.get("client_secret", "")],
    ) as api:
        client_id = credentials.get("client_id", "")
        client_secret = credentials.get("client_secret", "")
        if not client_id or not client_secret:
            app = api.call(
                "POST",
                "/api/v1/apps",
                json={"client_name": "xpost", "redirect_uris": [REDIRECT], "scopes": SCOPES},
                retry_safe=False,
            ).body
            if (
                not isinstance(app, dict)
                or not app.get("client_id")
                or not app.get("client_secret")
            ):
                raise PublishError("Mastodon: the app registration returned no client id")
            client_id, client_secret = str(app["client_id"]), str(app["client_secret"])
            api.add_secret(client_secret)
            found.update(client_id=client_id, client_secret=client_secret)
        query = urlencode(
            {
                "client_id": client_id,
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "scope": SCOPES,
            }
        )
        tell(
            "Open this URL, authorize xpost, then enter the code Mastodon shows: "
            f"{api_base}/oauth/authorize?{query}"
        )
        code = ask("Authorization code").strip()
        if not code:
            raise UsageError("Mastodon sign-in: the authorization code is required")
        token = api.call(
            "POST",
            "/oauth/token",
            json={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uri": REDIRECT,
                "scope": SCOPES,
            },
            retry_safe=False,
        ).body
    access = token.get("access_token") if isinstance(token, dict) else None
    if not isinstance(access, str) or not access:
        raise PublishError("Mastodon: the token answer holds no access_token")
    return {**found, "access_token": access}
