"""``xpost preview``: every target's copy drawn side by side in one HTML page.

Rendered from the drafts the adapters produce (the exact payloads a dry-run shows),
offline and without an account: ``page`` builds the document, ``columns`` one column
per target, ``markup`` each platform's Markdown, ``server`` the live ``--serve``.
"""
