"""The last probe of each host, kept in `probes.json` in the user cache folder, so the dashboard
shows health marks at its next start, each with its age.

Written as the other cache files are: whole (a temporary file renamed over it), 0600 in a
0700 folder, never through a link, never in a folder another user owns. A probe of some hosts
replaces those hosts' entries and keeps the others. A file that cannot be read is deleted with
a warning: it is a convenience, never a reason to stop. The demo keeps none.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wxdash.files import ForeignFolderError, check_owner, private_folder, read_regular, replace_file
from wxdash.i18n import _
from wxdash.probes.results import HostResult

log = logging.getLogger("wxdash.probes")

PROBES_FORMAT = 1
Key = tuple[str, int | None]


def probes_path() -> Path:
    """`probes.json` beside the cached results, in the platform's cache folder for wxdash."""
    from wxdash.cache import cache_folder

    return cache_folder().parent / "probes.json"


@dataclass
class ProbeStore:
    """Reads and merges the kept probe results; `problems` collects what was discarded."""

    path: Path = field(default_factory=probes_path)
    problems: list[str] = field(default_factory=list)

    def load(self) -> dict[Key, HostResult]:
        """Every kept result by (host, port); empty when there is no file or it is unusable."""
        try:
            check_owner(self.path.parent)
            data, _status = read_regular(self.path, follow=False)
            record = json.loads(data)
            if not isinstance(record, dict) or record.get("format") != PROBES_FORMAT:
                raise ValueError("another format")
            results = [HostResult.from_record(r) for r in record["hosts"]]
        except FileNotFoundError:
            return {}
        except ForeignFolderError as error:
            self.problems.append(str(error))
            return {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            self._discard(exc)
            return {}
        return {r.key: r for r in results}

    def save(self, results: Iterable[HostResult]) -> None:
        """Keep `results`, replacing earlier ones of the same hosts. A disk that cannot be
        written is logged, never raised: the probe itself worked."""
        fresh = list(results)
        if not fresh:
            return
        kept = self.load()
        kept.update((r.key, r) for r in fresh)
        record = {"format": PROBES_FORMAT, "hosts": [r.to_record() for r in kept.values()]}
        data = json.dumps(record, ensure_ascii=False).encode()
        try:
            private_folder(self.path.parent)
            replace_file(self.path, data)
        except ForeignFolderError as error:
            self.problems.append(str(error))
        except OSError as exc:
            log.warning("could not keep the probe results: %s", exc.strerror or exc)

    def _discard(self, exc: Exception) -> None:
        log.warning("discarding unreadable %s: %s", self.path.name, type(exc).__name__)
        with contextlib.suppress(OSError):
            self.path.unlink()
        self.problems.append(
            _("The kept probe results could not be read and were discarded ({reason}).").format(
                reason=type(exc).__name__
            )
        )
