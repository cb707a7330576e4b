"""What the dashboard shows with no profile to show: the config file's error, or a welcome."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from wxdash.i18n import _
from wxdash.profiles import ConfigError
from wxdash.safetext import visible


class EmptyView(Static):
    """Why there is nothing to show, and the one key or command that changes it."""

    def show(self, error: ConfigError | None, path: Path) -> None:
        if error is not None:
            text = Content.assemble(
                (_("The config file cannot be read") + "\n\n", "bold $text-error"),
                visible(error.message) + "\n\n",
                (error.hint + "\n\n" if error.hint else "", "italic"),
                (
                    _(
                        "wxdash has not changed the file. Fix it: wxdash reads it again as soon "
                        "as it is saved."
                    ),
                    "$text-muted",
                ),
            )
        else:
            text = Content.assemble(
                (_("No profiles yet") + "\n\n", "bold"),
                _("A profile is a mini program's appid and where its access_token comes from.")
                + "\n\n",
                (_("Press a to add one."), "bold $text-accent"),
                "\n",
                _("Or try the built-in demo first: wxdash --demo") + "\n\n",
                (_("Profiles are kept in {path}").format(path=path), "$text-muted"),
            )
        self.update(text)
