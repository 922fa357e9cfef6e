"""The checks ``conformance run`` makes of its options before the first request: a bad option
is a ConfigError (exit 2, one line, no traceback), never a failure after the whole run."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from conformance.base import ConfigError


def checked_base_url(url: str) -> str:
    """The base URL, with a scheme and a host; credentials in it are refused (they would show
    in every report and reproduction), and the message never repeats them."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"--base-url {url!r} needs a scheme and a host, e.g. http://{url.removeprefix('//')}"
            if "://" not in url
            else f"--base-url {url!r}: only http:// and https:// URLs are judged"
        )
    if parts.username is not None or parts.password is not None:
        hidden = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
        raise ConfigError(
            f"--base-url {hidden} carries credentials before its host: they would be written "
            "into every report and reproduction; pass the key with --api-key-env instead"
        )
    return url


def checked_key(key: str, variable: str) -> str:
    """The API key, if it can travel in an Authorization header (visible ASCII); the message
    names the variable, never the key."""
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise ConfigError(
            f"--api-key-env {variable}: the key is not a valid HTTP header value (it must be "
            "visible ASCII, without spaces)"
        )
    return key


def checked_report_path(path: str) -> tuple[Path, str | None]:
    """Where a report will be written, checked before the run; and a note when its folder had
    to be created (said, so a typo in a path does not go unseen)."""
    target = Path(path)
    if target.is_dir():
        raise ConfigError(f"--report {path}: that is a folder; give a file path")
    folder = target.parent
    note = None
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as error:
            raise ConfigError(
                f"--report {path}: cannot create {folder}: {error.strerror}"
            ) from None
        note = f"created {folder} for the report {target.name}"
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ConfigError(f"--report {path}: not writable")
    return target, note
