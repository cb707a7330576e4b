"""The domain writes: add or remove server and business domains; a result per domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wxdash.wechat.body import parse_json_body
from wxdash.wechat.errors import ApiError, UnknownOutcomeError, WxDashError
from wxdash.wechat.models import Protocol

if TYPE_CHECKING:
    from wxdash.wechat.client import TokenProvider, WeChatClient

ACTIONS = {"add": "add", "remove": "delete"}  # wxdash's word -> WeChat's; never set or get
SERVER_PATHS = {"direct": "/wxa/modify_domain_directly", "third": "/wxa/modify_domain"}
WEBVIEW_PATHS = {"direct": "/wxa/setwebviewdomain_directly", "third": "/wxa/setwebviewdomain"}
CONFIRMFILE_PATH = "/wxa/get_webviewdomain_confirmfile"
# Answers that mean "nothing to change": the domains are already as asked.
NOTHING_TO_CHANGE = frozenset({85017, 89019})
RESULTS = ("applied", "refused", "failed", "skipped", "unknown")


@dataclass(frozen=True, slots=True)
class DomainResult:
    """One domain's outcome: `result` is one of RESULTS; `message` WeChat's reason or error
    (errmsg with its rid), `hint` what to do."""

    protocol: str  # the API's key: requestdomain ... tcpdomain, webviewdomain
    domain: str
    result: str
    errcode: int | None = None
    message: str = ""
    hint: str = ""


def path_for(via: str, webview: bool) -> str:
    return (WEBVIEW_PATHS if webview else SERVER_PATHS)[via]


async def change_domains(
    client: WeChatClient,
    api_base: str | None,
    token: TokenProvider,
    *,
    via: str,
    action: str,
    lists: Mapping[str, Sequence[str]],
) -> list[DomainResult]:
    """One write call: `lists` holds either server keys or only `webviewdomain`. Sent once
    (idempotent=False): a lost answer is `unknown`, never sent again."""
    webview = Protocol.WEBVIEW in lists
    payload: dict[str, Any] = {"action": ACTIONS[action]}
    payload.update({key: list(domains) for key, domains in lists.items() if domains})
    sent = [(key, d) for key, domains in lists.items() for d in domains]
    try:
        answer = await client.call_with_token(
            api_base, path_for(via, webview), token, parse_json_body, payload, idempotent=False
        )
    except WxDashError as error:
        return error_results(error, sent)
    return results_of(answer, sent)


def error_results(error: WxDashError, sent: Sequence[tuple[str, str]]) -> list[DomainResult]:
    """Every sent domain's result when the call as a whole did not succeed: `unknown` for a
    lost answer, `skipped` for "nothing to change", else `failed` with WeChat's errmsg."""
    if isinstance(error, UnknownOutcomeError):
        return [DomainResult(k, d, "unknown", None, error.message, error.hint) for k, d in sent]
    if isinstance(error, ApiError):
        result = "skipped" if error.errcode in NOTHING_TO_CHANGE else "failed"
        return [
            DomainResult(k, d, result, error.errcode, error.errmsg, error.hint) for k, d in sent
        ]
    return [DomainResult(k, d, "failed", error.errcode, error.message, error.hint) for k, d in sent]


def refusals(answer: Mapping[str, Any]) -> dict[str, str]:
    """What an errcode-0 answer refused: entry (as compared) -> the list that named it."""
    refused: dict[str, str] = {}
    for key, value in answer.items():
        if (key.startswith("invalid_") or key == "no_icp_domain") and isinstance(value, list):
            for entry in value:
                if isinstance(entry, str):
                    refused[same_entry(entry)] = key
    return refused


def results_of(answer: Mapping[str, Any], sent: Sequence[tuple[str, str]]) -> list[DomainResult]:
    """Per domain: refused where the answer lists it (`invalid_*`, `no_icp_domain`), else
    applied."""
    refused = refusals(answer)
    out = []
    for key, domain in sent:
        reason = refused.get(same_entry(domain))
        if reason is None:
            out.append(DomainResult(key, domain, "applied", 0))
        else:
            out.append(DomainResult(key, domain, "refused", 0, reason))
    return out


def same_entry(entry: str) -> str:
    """An entry as WeChat compares it: case and a trailing slash do not count."""
    return entry.strip().rstrip("/").lower()
