"""The failures wxdash can meet when asking WeChat, each a value with a plain-language hint.

WxDashError             anything that stops one profile from being fetched
├── ApiError            WeChat answered with a non-zero errcode
├── HttpStatusError     the HTTP status was not 200 (a 5xx page, a redirect, a proxy refusal)
├── NetworkError        no host could be reached: DNS, refused, reset, timeout, TLS
│   ├── ProxyRefusedError   the HTTPS_PROXY refused to connect us
│   ├── CallTimeoutError    the whole call ran past retry_time
│   └── UnknownOutcomeError a write went out and its answer was lost
├── ResponseFormatError the body is not the JSON WeChat sends (HTML, truncated, too large)
├── TokenError          the profile's token source gave no token
└── InsecureUrlError    plain http:// to a host that is not this machine

`message` says what happened and `hint` what to do about it. Both are translated when read,
not when the error is made, so a language switch in the app re-words errors already shown.
No error ever holds a token: callers redact URLs and texts before building one.
"""

from __future__ import annotations

from typing import Any

from wxdash.i18n import N_, _

# Credential errors: a refreshable token source is asked again, and the call retried once.
TOKEN_REJECTED = frozenset({40001, 40014, 42001})
# Errors worth retrying with backoff: WeChat says it is busy, and did not carry the call out.
RETRYABLE_ERRCODES = frozenset({-1})
# Calls too frequent: retried too, after a longer backoff.
RATE_LIMITED = frozenset({45011})
# The API's daily quota is used up: no call can succeed before WeChat's daily reset.
QUOTA_EXHAUSTED = 45009

_HINTS: dict[int, str] = {
    -1: N_("WeChat is busy; wait a moment and retry."),
    40001: N_(
        "The access_token is invalid or not the latest: another service may have fetched a new "
        "one. Get a fresh token (use a stable_token source to avoid this)."
    ),
    40013: N_("The appid is not valid: check the profile's appid (wx + 16 hex characters)."),
    40014: N_("The access_token is not valid: check that the token belongs to this appid."),
    40164: N_(
        "This machine's IP is not in the appid's IP whitelist: add it in the console, "
        "or use HTTPS_PROXY through a whitelisted egress."
    ),
    41001: N_("No access_token was sent: the token source gave an empty token."),
    42001: N_("The access_token has expired: get a new one (tokens last 2 hours)."),
    43104: N_(
        "This appid has no permission for the API: a third-party platform must use the "
        "merchant's authorizer_access_token."
    ),
    44002: N_(
        "WeChat received an empty POST body; wxdash sends {} so a proxy may be stripping it."
    ),
    45009: N_("The daily quota for this API is used up; it resets at midnight (Beijing time)."),
    45011: N_("Calls are too frequent; wait a minute before retrying."),
    48001: N_("This account is not authorized for the API (server domain management)."),
    61007: N_(
        "The merchant has not granted this API to your third-party platform "
        "(permission set 18, development management)."
    ),
    # The domain writes (wxdash domains add|remove).
    45082: N_("The domain needs an ICP filing before WeChat accepts it."),
    85015: N_("This account is not a mini program: domains can only be set for mini programs."),
    85016: N_("Too many domains: at most 200 per protocol; remove some first."),
    85017: N_("Nothing to change: the domains are already there (or already absent)."),
    85018: N_(
        "The domain is not on your third-party platform's list: add it there first "
        "(wxdash platform domains add --server HOST), or use --via direct."
    ),
    85301: N_("A domain breaks WeChat's domain rules; nothing was changed."),
    85302: N_("A domain has no ICP filing; nothing was changed."),
    85303: N_("Domains break the rules or lack an ICP filing; nothing was changed."),
    86100: N_("A URL has the wrong scheme: https for request, upload, download; wss; udp; tcp."),
    86101: N_("api.weixin.qq.com cannot be configured as a domain."),
    86102: N_(
        "This mini program reached WeChat's limit of 50 domain changes this month: "
        "wait for next month."
    ),
    86103: N_(
        "WeChat could not verify the file at the domain's root: serve the file from "
        "get_webviewdomain_confirmfile unchanged (no BOM) at https://DOMAIN/FILE_NAME."
    ),
    89019: N_("Nothing to change: the business domains are already set that way."),
    89020: N_("Your third-party platform has no business domains yet: add them there first."),
    89021: N_(
        "The business domain is not on your third-party platform's list (or under one of "
        "its domains): add it there first (wxdash platform domains add --jump HOST), or use "
        "--via direct."
    ),
    89029: N_("Too many business domains: remove some first."),
    89231: N_("Personal mini programs cannot set business domains."),
}


def hint_for(errcode: int) -> str:
    """The hint for one of WeChat's errcodes, translated now; '' if wxdash has none."""
    template = _HINTS.get(errcode)
    return _(template) if template is not None else ""


class WxDashError(Exception):
    """Base of every failure shown to the user.

    `template` is an English message marked for the catalog (with `N_`) and `params` fill it;
    `message` translates the template each time it is read.
    """

    kind = "error"

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params))

    @property
    def message(self) -> str:
        return _(self.template).format(**self.params)

    @property
    def hint(self) -> str:
        return ""

    @property
    def errcode(self) -> int | None:
        return None

    @property
    def retryable(self) -> bool:
        """Whether trying again (after a pause) may succeed."""
        return False

    @property
    def not_carried_out(self) -> bool:
        """Whether WeChat surely did not carry the request out, so that even a write may be
        sent again: it never went out, or WeChat answered it was busy (errcode -1)."""
        return False

    def same_failure(self, other: WxDashError) -> bool:
        """Whether `other` says the same thing: the same errcode (each answer has its own
        rid), or the same message (a token source fails alike for each call)."""
        if other is self:
            return True
        if type(other) is not type(self) or other.kind != self.kind:
            return False
        if self.errcode is not None:
            return self.errcode == other.errcode
        return self.message == other.message

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "errcode": self.errcode,
            "message": self.message,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        return self.message


class ApiError(WxDashError):
    """WeChat answered with a non-zero errcode. `errmsg` is kept whole, with its `rid:`."""

    kind = "api"

    def __init__(self, errcode: int, errmsg: str) -> None:
        self._errcode = errcode
        self.errmsg = errmsg
        super().__init__(N_("WeChat error {errcode}: {errmsg}"), errcode=errcode, errmsg=errmsg)

    @property
    def errcode(self) -> int:
        return self._errcode

    @property
    def hint(self) -> str:
        template = _HINTS.get(self._errcode)
        if template is not None:
            return _(template)
        return _(
            "WeChat returned errcode {errcode} ({errmsg}); look it up in the WeChat "
            "documentation's global error codes."
        ).format(errcode=self._errcode, errmsg=self.errmsg)

    @property
    def retryable(self) -> bool:
        return self._errcode in RETRYABLE_ERRCODES or self.rate_limited

    @property
    def not_carried_out(self) -> bool:
        return self._errcode in RETRYABLE_ERRCODES

    @property
    def rate_limited(self) -> bool:
        return self._errcode in RATE_LIMITED

    @property
    def token_rejected(self) -> bool:
        return self._errcode in TOKEN_REJECTED


class HttpStatusError(WxDashError):
    """A status other than 200. Redirects land here too: wxdash never follows one."""

    kind = "http"

    def __init__(self, status: int, reason: str = "", *, location_host: str | None = None) -> None:
        self.status = status
        if 300 <= status < 400:
            super().__init__(
                N_("HTTP {status}: the server redirected to {host}"),
                status=status,
                host=location_host or "?",
            )
        else:
            super().__init__(N_("HTTP {status} {reason}"), status=status, reason=reason)

    @property
    def message(self) -> str:
        return super().message.strip()

    @property
    def hint(self) -> str:
        if 300 <= self.status < 400:
            return _(
                "WeChat never redirects this API, and wxdash does not follow redirects because "
                "the token is in the URL: check api_base and any proxy in between."
            )
        if self.status == 407:
            return _("The proxy wants credentials: put them in HTTPS_PROXY.")
        if self.status >= 500:
            return _("The server or a proxy in between failed; retry in a moment.")
        return _("Check api_base: this address does not answer like WeChat's API.")

    @property
    def retryable(self) -> bool:
        return self.status >= 500


class NetworkError(WxDashError):
    """No answer: the host could not be resolved or reached, or it did not reply in time."""

    kind = "network"

    def __init__(
        self, template: str, /, *, timeout: bool = False, sent: bool = False, **params: Any
    ) -> None:
        self.timeout = timeout
        # Whether the request went out before the failure (it may have been carried out).
        self.sent = sent
        # Set by the client when WeChat's backup hosts were tried too.
        self.failed_over = False
        super().__init__(template, **params)

    @property
    def not_carried_out(self) -> bool:
        return not self.sent

    @property
    def hint(self) -> str:
        if self.timeout:
            return _(
                "The server did not answer in time: check the network, or raise read_timeout "
                "in the [network] table of the config."
            )
        if self.failed_over:
            return _(
                "Check the network, DNS and HTTPS_PROXY; wxdash also tried WeChat's backup hosts."
            )
        return _("Check the network, DNS, HTTPS_PROXY and the profile's api_base.")

    @property
    def retryable(self) -> bool:
        return True


class ProxyRefusedError(NetworkError):
    """The proxy in HTTPS_PROXY would not connect us (a 407 for credentials, a 403 by policy).

    Not retried and no failover: every WeChat host goes through the same proxy.
    """

    @property
    def hint(self) -> str:
        return _(
            "Check HTTPS_PROXY: its address, and its credentials (http://user:password@host:port)."
        )

    @property
    def retryable(self) -> bool:
        return False


class CallTimeoutError(NetworkError):
    """The whole call, every attempt, failover and token refresh included, ran past retry_time
    (a server that answers, but a byte at a time)."""

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(
            N_("{host} did not answer within retry_time ({seconds:g} seconds)"),
            timeout=True,
            host=host,
            seconds=seconds,
        )

    @property
    def hint(self) -> str:
        return _(
            "The server answers too slowly: check the network, or raise retry_time in the "
            "[network] table of the config."
        )

    @property
    def retryable(self) -> bool:
        return False


class UnknownOutcomeError(NetworkError):
    """A write went out and its answer was lost: it may or may not have been carried out, and
    wxdash does not send it again behind the user's back."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(
            N_(
                "The request to {host} went out but its answer was lost, so WeChat may or may "
                "not have carried it out: {reason}"
            ),
            sent=True,
            host=host,
            reason=reason,
        )

    @property
    def hint(self) -> str:
        return _(
            "wxdash does not send a change twice: fetch the domains to see whether it was "
            "made before trying again."
        )

    @property
    def retryable(self) -> bool:
        return False


class ResponseFormatError(WxDashError):
    """The body is not WeChat's JSON: HTML from a proxy, a truncated body, or far too large."""

    kind = "format"

    @property
    def hint(self) -> str:
        return _(
            "This is not WeChat's JSON: a proxy, captive portal or wrong api_base may be "
            "answering instead."
        )


def too_large(size: int, cap: int) -> ResponseFormatError:
    """A body over the size cap, counted decoded or as it came over the wire."""
    return ResponseFormatError(
        N_("The response is over {cap} bytes ({size} so far); wxdash refused to read it."),
        cap=cap,
        size=size,
    )


class TokenError(WxDashError):
    """The profile's token source could not give a token. `cause` is the API error behind it."""

    kind = "token"

    def __init__(
        self, template: str, /, *, hint: str = "", cause: WxDashError | None = None, **params: Any
    ) -> None:
        self._hint = hint
        self.cause = cause
        super().__init__(template, **params)

    @property
    def errcode(self) -> int | None:
        return self.cause.errcode if self.cause is not None else None

    @property
    def hint(self) -> str:
        if self._hint:
            return _(self._hint).format(**self.params)
        if self.cause is not None:
            return self.cause.hint
        return _("Check the profile's token settings with: wxdash config check")


class UnsetVariableError(TokenError):
    """The environment variable the token source reads is not set, or empty: a running
    dashboard cannot be given it, so the advice is to set it and start again."""

    def __init__(self, variable: str, hint: str) -> None:
        super().__init__(
            N_("The environment variable {name} is not set or empty"), hint=hint, name=variable
        )


class InsecureUrlError(WxDashError):
    """Refused: the token would travel in clear text over a network."""

    kind = "config"

    def __init__(self, url: str) -> None:
        super().__init__(N_("Refused to send a token over plain http to {url}"), url=url)

    @property
    def hint(self) -> str:
        return _("Use https:// in api_base; plain http:// is only allowed to this machine.")
