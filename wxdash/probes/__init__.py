"""Domain health: probe each distinct host of the merchants' domains once (DNS, TCP, TLS,
certificate) and say what fails and whom it hits. Pure results, no UI.

    targets_of(outcomes, groups, protocols) -> [Target]      what to probe, and who uses it
    HostMap.of(resolve, connect_to)                          curl's --resolve / --connect-to
    await probe_all(targets, hosts=, trust=, settings=, progress=, cancel=) -> [HostResult]
    ProbeStore().save(results) / .load()                     probes.json in the cache folder

`cryptography` is imported only once a certificate is read.
"""

from wxdash.probes.engine import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    DEFAULT_WARN_DAYS,
    ProbeSettings,
    Progress,
    probe_all,
    probe_host,
)
from wxdash.probes.hostmap import HostMap, HostMapError, parse_connect_to, parse_resolve
from wxdash.probes.results import KINDS, HostResult, Problem, Status, days_left
from wxdash.probes.store import ProbeStore, probes_path
from wxdash.probes.targets import Target, TargetList, host_key, targets_of
from wxdash.probes.trust import Trust, TrustError

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WARN_DAYS",
    "KINDS",
    "HostMap",
    "HostMapError",
    "HostResult",
    "ProbeSettings",
    "ProbeStore",
    "Problem",
    "Progress",
    "Status",
    "Target",
    "TargetList",
    "Trust",
    "TrustError",
    "days_left",
    "host_key",
    "parse_connect_to",
    "parse_resolve",
    "probe_all",
    "probe_host",
    "probes_path",
    "targets_of",
]
