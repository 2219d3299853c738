"""X API v2 on the wire: tweepy's ``Client`` for posts and users, plain ``requests`` for
the v2 media upload (tweepy 4.17 only has the v1.1 upload X is retiring).

Imported only when something is sent: it pulls in requests and tweepy. Every HTTP
status and network failure becomes one ``PublishError`` subclass with a one-line
message; no message ever carries a header, a token or a request body.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import requests
import tweepy  # type: ignore[import-untyped]
import urllib3.exceptions
from requests_oauthlib import OAuth1  # type: ignore[import-untyped]

from xpost.clients.deadline import within
from xpost.clients.retry import RetryPolicy
from xpost.credentials import env_var, scrub
from xpost.errors import AuthError, OutcomeUnknown, PublishError, RateLimited

T = TypeVar("T")

#: tweepy builds every URL on this host; ``_HostSession`` moves it to ``[twitter] api_base``.
TWEEPY_HOST = "https://api.twitter.com"
OAUTH1_FIELDS = ("api_key", "api_secret", "access_token", "access_token_secret")
OAUTH2_FIELD = "oauth2_access_token"
#: Fields asked for when looking up the account's recent posts (t.co links are expanded
#: in ``entities``; a thread's parts share the first part's ``conversation_id``).
LOOKUP_FIELDS = ["entities", "created_at", "conversation_id"]
#: Media upload: segments of this size for the chunked (INIT/APPEND/FINALIZE) upload.
CHUNK_SIZE = 4 * 1024 * 1024
#: How often to ask whether an uploaded GIF has been processed before giving up.
PROCESSING_POLLS = 10

# tweepy logs every request's headers (a Bearer token) and body at DEBUG level, and
# oauthlib / requests-oauthlib the consumer key and access token of every signature:
# a process-wide DEBUG logging setup must not print them.
for _name in ("tweepy.client", "oauthlib", "requests_oauthlib"):
    logging.getLogger(_name).setLevel(logging.INFO)


# X ids are decimal snowflakes (contracts/x-api/openapi.json: ``UserId`` and ``MediaId``
# have the pattern ``^[0-9]{1,19}$``, post ids are the same kind); a username is 1-15
# letters, digits or ``_`` (X's rules for usernames). Both end up in URLs xpost prints.
_X_ID = re.compile(r"[0-9]{1,19}")
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")


def is_x_id(value: object) -> bool:
    """Whether an answer's id has X's shape (a string or number of 1-19 digits)."""
    return (
        isinstance(value, str | int)
        and not isinstance(value, bool)
        and bool(_X_ID.fullmatch(str(value)))
    )


@dataclass(frozen=True)
class XUser:
    id: str
    username: str


class DuplicatePost(PublishError):
    """X refused a post because the account already has one with the same text."""


class _HostSession(requests.Session):
    """tweepy hard-codes ``https://api.twitter.com`` and sends without a timeout.

    Rather than copy tweepy's ``request`` method to change one line, the client gets
    this session: it rewrites the host before the request is prepared (so the OAuth 1.0a
    signature covers the URL actually sent) and gives every request a timeout.
    """

    def __init__(self, api_base: str, timeout: float) -> None:
        super().__init__()
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if url.startswith(TWEEPY_HOST):
            url = self.api_base + url[len(TWEEPY_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        send = super().request
        # A total deadline, not one per socket read (a trickling server never ends).
        return within(self.timeout, lambda: send(method, url, *args, **kwargs))


class XClient:
    """The handful of X API v2 calls xpost makes, with X's errors mapped to xpost's.

    ``policy`` bounds retries and rate-limit waits (and lets tests skip the sleeping);
    ``now`` is the clock the ``x-rate-limit-reset`` epochs are compared with.
    """

    def __init__(
        self,
        api_base: str,
        credentials: Mapping[str, str],
        *,
        timeout: float,
        policy: RetryPolicy,
        now: Callable[[], datetime],
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.policy = policy
        self.now = now
        self.chunk_size = chunk_size
        self.session = _HostSession(api_base, timeout)
        #: Scrubbed from X's error texts (before they are shortened) in case X echoes one.
        self._secrets = [value for value in credentials.values() if value]
        self.user_auth = all(credentials.get(name) for name in OAUTH1_FIELDS)
        #: Which account these credentials sign in as, without holding them again: the key
        #: under which the adapter remembers the account ``me()`` found.
        self.identity = hashlib.sha256(
            "\0".join([self.session.api_base, *sorted(self._secrets)]).encode()
        ).hexdigest()
        if self.user_auth:
            self.auth: OAuth1 | None = OAuth1(
                credentials["api_key"],
                client_secret=credentials["api_secret"],
                resource_owner_key=credentials["access_token"],
                resource_owner_secret=credentials["access_token_secret"],
            )
            self.tweepy = tweepy.Client(
                consumer_key=credentials["api_key"],
                consumer_secret=credentials["api_secret"],
                access_token=credentials["access_token"],
                access_token_secret=credentials["access_token_secret"],
                return_type=dict,
            )
            self.bearer: dict[str, str] = {}
        elif credentials.get(OAUTH2_FIELD):
            self.auth = None
            # An OAuth 2.0 *user* token goes where tweepy puts app bearer tokens.
            self.tweepy = tweepy.Client(bearer_token=credentials[OAUTH2_FIELD], return_type=dict)
            self.bearer = {"Authorization": f"Bearer {credentials[OAUTH2_FIELD]}"}
        else:
            raise AuthError(f"X: no credentials: {_credentials_hint()}")
        self.tweepy.session = self.session

    # -- users and posts (through tweepy) -----------------------------------------------

    def me(self) -> XUser:
        """The account the credentials belong to (``GET /2/users/me``)."""
        body = self._call(
            "check the account", lambda: self.tweepy.get_me(user_auth=self.user_auth), repeat=True
        )
        data = body.get("data") or {}
        if not is_x_id(data.get("id")) or not _USERNAME.fullmatch(str(data.get("username"))):
            raise PublishError("X: GET /2/users/me answered without the account: try again later")
        return XUser(str(data["id"]), str(data["username"]))

    def create_post(
        self, text: str, *, reply_to: str | None, media_ids: list[str], action: str
    ) -> str:
        """Post (``POST /2/tweets``) and return the new post's id. Never repeated after a
        request that may have reached X: that outcome is ``OutcomeUnknown``."""
        body = self._call(
            action,
            lambda: self.tweepy.create_tweet(
                text=text,
                in_reply_to_tweet_id=reply_to,
                media_ids=media_ids or None,
                user_auth=self.user_auth,
            ),
            repeat=False,
        )
        post_id = (body.get("data") or {}).get("id")
        if not is_x_id(post_id):
            raise OutcomeUnknown(
                f"X: the answer to '{action}' has no post id; the next run looks it up"
            )
        return str(post_id)

    def delete_post(self, post_id: str) -> None:
        """Delete one post; one that is already gone counts as deleted."""
        try:
            self._call(
                f"delete post {post_id}",
                lambda: self.tweepy.delete_tweet(post_id, user_auth=self.user_auth),
                repeat=True,
            )
        except _NotFound:
            return

    def recent_posts(self, user_id: str) -> list[dict[str, Any]]:
        """The account's latest 100 posts, replies included, newest first: one request.

        Reposts are left out (``exclude=retweets``, contracts/x-api/openapi.json, ``GET
        /2/users/{id}/tweets``): xpost never makes one, and each would take one of the
        100 places a page holds (``max_results`` at most 100).
        """
        body = self._call(
            "read the account's recent posts",
            lambda: self.tweepy.get_users_tweets(
                user_id,
                max_results=100,
                exclude=["retweets"],
                tweet_fields=LOOKUP_FIELDS,
                user_auth=self.user_auth,
            ),
            repeat=True,
        )
        return list(body.get("data") or [])

    # -- media (v2 upload, signed here) -------------------------------------------------

    def upload_image(self, data: bytes, *, mime: str, category: str, name: str) -> str:
        """Upload an image and return its media id: one request for a still image, the
        chunked INIT/APPEND/FINALIZE sequence for a GIF (X processes GIFs before use)."""
        if category != "tweet_gif":
            body = self._media(
                f"upload {name}",
                "POST",
                "/2/media/upload",
                data={"media_category": category},
                files={"media": (name, data, mime)},
            )
            return _data_id(body, name)
        init = {"media_type": mime, "total_bytes": len(data), "media_category": category}
        media_id = _data_id(
            self._media(f"upload {name}", "POST", "/2/media/upload/initialize", json=init), name
        )
        for index, start in enumerate(range(0, len(data), self.chunk_size)):
            self._media(
                f"upload {name}",
                "POST",
                f"/2/media/upload/{media_id}/append",
                data={"segment_index": str(index)},
                files={"media": (name, data[start : start + self.chunk_size], mime)},
            )
        body = self._media(f"upload {name}", "POST", f"/2/media/upload/{media_id}/finalize")
        self._wait_for_processing(media_id, body, name)
        return media_id

    def set_alt_text(self, media_id: str, alt: str) -> None:
        """Describe an uploaded image for screen readers (``POST /2/media/metadata``)."""
        payload = {"id": media_id, "metadata": {"alt_text": {"text": alt}}}
        self._media("set the image's alt text", "POST", "/2/media/metadata", json=payload)

    def _wait_for_processing(self, media_id: str, body: dict[str, Any], name: str) -> None:
        for _ in range(PROCESSING_POLLS):
            info = (body.get("data") or {}).get("processing_info") or {}
            state = info.get("state", "succeeded")
            if state == "succeeded":
                return
            if state == "failed":
                raise PublishError(f"X could not process the image {name}: try another file")
            self.policy.sleep(float(info.get("check_after_secs", 1)))
            body = self._media(
                f"upload {name}",
                "GET",
                "/2/media/upload",
                params={"command": "STATUS", "media_id": media_id},
            )
        raise PublishError(f"X is still processing the image {name}: try again in a few minutes")

    def _media(self, action: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One media request. Uploads are repeatable: an orphan upload is never shown."""

        def send() -> dict[str, Any]:
            response = self.session.request(
                method, self.session.api_base + path, auth=self.auth, headers=self.bearer, **kwargs
            )
            if not response.ok:
                raise _HttpFailure(response)
            body: dict[str, Any] = response.json() if response.content else {}
            return body

        return self._call(action, send, repeat=True)

    # -- errors, retries and rate limits ------------------------------------------------

    def _call(self, action: str, send: Callable[[], T], *, repeat: bool) -> T:
        """``send()``, retried while that is safe; every failure becomes one xpost error.

        ``repeat``: sending twice cannot create anything twice (reads, deletes, uploads).
        A create is only repeated when X certainly did not act on it: after a 429, or a
        connection that was never made.
        """
        host = self.session.api_base
        attempt = 0
        rate_waits = 0
        while True:
            attempt += 1
            try:
                return send()
            except (tweepy.HTTPException, _HttpFailure) as error:
                response: requests.Response = error.response
            except requests.RequestException as error:
                can_retry = (repeat or _never_sent(error)) and attempt < self.policy.attempts
                if can_retry:
                    self.policy.sleep(self.policy.delay(attempt))
                    continue
                if _never_sent(error):
                    raise PublishError(
                        f"X: cannot connect to {host} to {action}: check the network "
                        "or [twitter] api_base"
                    ) from None
                if repeat:
                    raise PublishError(
                        f"X: no answer from {host} to {action} after {attempt} tries: "
                        "try again later"
                    ) from None
                raise OutcomeUnknown(
                    f"X: no answer to '{action}' in {self.session.timeout:g}s; the post may "
                    "exist: the next run looks it up before posting again"
                ) from None

            status = response.status_code
            if status == 429:
                wait = self._rate_limit_wait(response.headers)
                if wait is not None and wait <= self.policy.max_rate_wait and rate_waits < 2:
                    rate_waits += 1
                    self.policy.sleep(wait)
                    continue
                raise self._rate_limited(action, response.headers, wait)
            if status >= 500 and repeat and attempt < self.policy.attempts:
                self.policy.sleep(self.policy.delay(attempt))
                continue
            raise _status_error(action, response, repeat=repeat, secrets=self._secrets)

    def _rate_limit_reset(self, headers: Mapping[str, str]) -> float | None:
        """The epoch second the exhausted limit resets: the 24-hour per-user post limit
        when that is the one spent, else the endpoint's 15-minute window."""
        spent: list[float] = []
        present: list[float] = []
        for prefix in ("x-user-limit-24hour", "x-rate-limit"):
            reset = headers.get(f"{prefix}-reset")
            if reset is None or not reset.strip().isdigit():
                continue
            present.append(float(reset))
            if headers.get(f"{prefix}-remaining", "0").strip() == "0":
                spent.append(float(reset))
        chosen = spent or present
        return max(chosen) if chosen else None

    def _rate_limit_wait(self, headers: Mapping[str, str]) -> float | None:
        reset = self._rate_limit_reset(headers)
        if reset is None:
            return None
        # One second more: the reset epoch is whole seconds, rounded down.
        return max(0.0, reset - self.now().timestamp() + 1.0)

    def _rate_limited(
        self, action: str, headers: Mapping[str, str], wait: float | None
    ) -> RateLimited:
        which = (
            "the 24-hour post limit"
            if headers.get("x-user-limit-24hour-remaining", "").strip() == "0"
            else "the rate limit"
        )
        reset = self._rate_limit_reset(headers)
        if reset is None or wait is None:
            return RateLimited(f"X: {which} is reached ({action}): try again later")
        local = datetime.fromtimestamp(reset, tz=self.now().tzinfo)
        return RateLimited(
            f"X: {which} is reached ({action}); it resets at "
            f"{local:%Y-%m-%d %H:%M %z} (in {_duration(wait)}): try again then",
            retry_after=wait,
        )


class _HttpFailure(Exception):
    """A non-2xx answer to a media request, handled like tweepy's ``HTTPException``."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class _NotFound(PublishError):
    """404: the thing is not (or no longer) there."""


def _status_error(
    action: str, response: requests.Response, *, repeat: bool, secrets: Sequence[str] = ()
) -> PublishError:
    status = response.status_code
    detail = _detail(response, secrets)
    if status == 401:
        return AuthError(f"X rejected the credentials (401) to {action}: {_credentials_hint()}")
    if status == 403 and "duplicate content" in detail.lower():
        return DuplicatePost(f"X: '{action}' is a duplicate of a post the account already has")
    if status == 403 and "permission" in detail.lower():
        return AuthError(
            f"X: not permitted to {action} (403): {detail} — give the app Read and Write "
            "permission in the X developer portal, then run 'xpost auth login twitter'"
        )
    if status == 404:
        return _NotFound(f"X: not found ({action}): {detail}")
    if status >= 500 and not repeat:
        return OutcomeUnknown(
            f"X answered {status} to '{action}'; the post may exist: the next run looks it up "
            "before posting again"
        )
    if status >= 500:
        return PublishError(f"X is failing ({status}) to {action}: try again later")
    return PublishError(f"X refused to {action} ({status}): {detail}")


def _detail(response: requests.Response, secrets: Sequence[str] = ()) -> str:
    """The problem X states in its answer (``detail``, ``title``, ``errors[].message``),
    scrubbed of ``secrets`` before it is cut short (cut first, half a token would stay)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or str(response.status_code)
    if not isinstance(body, dict):
        return str(response.status_code)
    messages = [str(body[key]) for key in ("detail", "title") if body.get(key)]
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            messages.extend(str(error[k]) for k in ("message", "detail") if error.get(k))
    # The most specific statement first; one line, bounded.
    text = next((m for m in messages if "duplicate" in m.lower()), messages[0] if messages else "")
    return " ".join(scrub(text, secrets).split())[:200] or str(response.status_code)


def _never_sent(error: requests.RequestException) -> bool:
    """True when the connection was never made, so X cannot have seen the request."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.exceptions.ConnectionError) and error.args:
        reason = getattr(error.args[0], "reason", None)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


def _data_id(body: dict[str, Any], name: str) -> str:
    media_id = (body.get("data") or {}).get("id")
    if not is_x_id(media_id):
        raise PublishError(f"X: the upload of {name} was answered without a media id")
    return str(media_id)


def _duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _credentials_hint() -> str:
    oauth1 = ", ".join(env_var("twitter", name) for name in OAUTH1_FIELDS)
    return (
        f"run 'xpost auth login twitter', or set {oauth1} "
        f"(or {env_var('twitter', OAUTH2_FIELD)}, which expires after 2 hours)"
    )


# -- sign-in -----------------------------------------------------------------------------


class _PinFlowHandler(tweepy.OAuth1UserHandler):  # type: ignore[misc]
    """tweepy's OAuth 1.0a PIN flow on the configured host instead of api.twitter.com."""

    def __init__(self, api_base: str, api_key: str, api_secret: str) -> None:
        super().__init__(api_key, api_secret, callback="oob")
        self.api_base = api_base.rstrip("/")

    def _get_oauth_url(self, endpoint: str) -> str:
        return f"{self.api_base}/oauth/{endpoint}"


def pin_login(
    api_base: str,
    api_key: str,
    api_secret: str,
    ask_pin: Callable[[str], str],
) -> tuple[str, str]:
    """Run the PIN flow: ``ask_pin(url)`` shows the authorization URL and returns the PIN
    the user read there. Returns the access token and its secret."""
    handler = _PinFlowHandler(api_base, api_key, api_secret)
    try:
        url = handler.get_authorization_url()
    except tweepy.TweepyException:
        raise AuthError(
            "X refused the sign-in: check the API key and secret (X developer portal → "
            "Keys and tokens) and that the app's callback allows PIN sign-in"
        ) from None
    pin = ask_pin(str(url)).strip()
    if not pin.isdigit():
        raise AuthError("X sign-in: the PIN is the number X shows after you authorize the app")
    try:
        token, secret = handler.get_access_token(pin)
    except tweepy.TweepyException:
        raise AuthError(
            "X refused the PIN (wrong or expired): run 'xpost auth login twitter' again"
        ) from None
    return str(token), str(secret)
