"""WeChat's domain API: the typed model, the errors, the HTTP client and the token sources.

Nothing in this package imports Textual or the profile store.
"""
