"""Errors the clients raise beyond ``xpost.errors``; importable without the network stack."""

from __future__ import annotations

from xpost.errors import PublishError


class RemoteNotFound(PublishError):
    """The platform answered 404: the copy does not exist (any more), or is not visible
    to these credentials. An adapter turns it into a message for its context."""
