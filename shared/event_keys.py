"""Whose signature a service puts on what it publishes, and whose signatures it believes.

Each service signs with its own Ed25519 key (shared.contract.verifiability):
`KYOSO_SIGNING_KEY`, or on the embedded default a key generated once into
`KYOSO_DATA_DIR/keys/<service>.key` with its public key beside it in `<service>.pub`.
A consumer believes the keys of `KYOSO_TRUSTED_KEYS` (JSON {service: [public keys]}) or,
when that is empty, every `KYOSO_DATA_DIR/keys/<service>*.pub`, read again whenever a
record names a key not yet known (another service of `kyoso up` may have made its key
after this one started). A service may have several keys at once: a rotated key's events
stay verifiable while its old key is still listed.

`python -m shared.event_keys` prints the desk's public keys as JSON, the file a
subscribing city gives `kyoso subscribe --trusted-keys`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.contract.keys import (
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_text,
)
from shared.settings import ENV_PREFIX, CommonSettings, ConfigError, load_settings

log = logging.getLogger(__name__)

KEYS_FOLDER = "keys"


def keys_folder(settings: CommonSettings) -> Path:
    return settings.data_dir / KEYS_FOLDER


def signing_key(service: str, settings: CommonSettings) -> Ed25519PrivateKey:
    """The service's signing key: the setting, or the one generated into the data folder."""
    if settings.signing_key is not None and settings.signing_key.get_secret_value().strip():
        try:
            return load_private_key(settings.signing_key.get_secret_value())
        except ValueError as problem:
            raise ConfigError(
                f"invalid configuration: {ENV_PREFIX}SIGNING_KEY: {problem}"
            ) from None
    return generated_key(keys_folder(settings), service)


def generated_key(folder: Path, service: str) -> Ed25519PrivateKey:
    """The key in `folder/<service>.key`, made on first use. Two processes of one service
    starting together end up with the same key: the file appears whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{service}.key"
    if not path.exists():
        fresh = Ed25519PrivateKey.generate()
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{service}.", delete=False) as tmp:
            tmp.write(private_key_pem(fresh))
        os.chmod(tmp.name, 0o600)
        try:
            os.link(tmp.name, path)  # fails if another process got there first
            log.info("%s: generated its event signing key in %s", service, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp.name)
    try:
        key = load_private_key(path.read_text())
    except ValueError as problem:
        raise ConfigError(f"invalid configuration: {path}: {problem}") from None
    _write_public_key(folder / f"{service}.pub", key.public_key())
    return key


def _write_public_key(path: Path, public_key: Ed25519PublicKey) -> None:
    text = public_key_text(public_key) + "\n"
    with contextlib.suppress(FileNotFoundError):
        if path.read_text() == text:
            return
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as tmp:
        tmp.write(text)
    os.chmod(tmp.name, 0o644)  # public: anyone who verifies may read it
    os.replace(tmp.name, path)


class TrustedKeys(Mapping[str, Ed25519PublicKey]):
    """The public keys whose signatures are believed, by key id, each with its service.

    A mapping from key id to key, as `shared.contract.verifiability.verify` takes it; an
    unknown id makes a folder-backed set read its folder again first."""

    def __init__(
        self, by_service: Mapping[str, Sequence[Ed25519PublicKey]], folder: Path | None = None
    ) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, Ed25519PublicKey]] = {}
        self._add(by_service)

    def _add(self, by_service: Mapping[str, Sequence[Ed25519PublicKey]]) -> None:
        for service, keys in by_service.items():
            for key in keys:
                self._keys[key_id(key)] = (service, key)

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> TrustedKeys:
        if settings.trusted_keys:
            return cls.from_texts(settings.trusted_keys)
        folder = keys_folder(settings)
        trusted = cls({}, folder)
        trusted.reread()
        return trusted

    @classmethod
    def from_texts(cls, texts: Mapping[str, Sequence[str]]) -> TrustedKeys:
        return cls({service: [load_public_key(t) for t in keys] for service, keys in texts.items()})

    @classmethod
    def from_file(cls, path: Path) -> TrustedKeys:
        """A JSON file {service: [public keys]}, e.g. what `python -m shared.event_keys` prints."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(document, dict) or not all(
                isinstance(keys, list) and all(isinstance(k, str) for k in keys)
                for keys in document.values()
            ):
                raise ValueError('not JSON of the shape {"service": ["public key", …]}')
            return cls.from_texts(document)
        except (OSError, ValueError) as problem:
            raise ConfigError(f"trusted keys {path}: {problem}") from None

    def reread(self) -> None:
        """Read the folder's `<service>*.pub` files again (a folder-backed set only)."""
        if self._folder is None or not self._folder.is_dir():
            return
        found: dict[str, list[Ed25519PublicKey]] = {}
        for path in sorted(self._folder.glob("*.pub")):
            service = path.name.split(".")[0]
            try:
                found.setdefault(service, []).append(load_public_key(path.read_text()))
            except (OSError, ValueError) as problem:
                log.warning("trusted keys: %s skipped: %s", path, problem)
        with self._lock:
            self._add(found)

    def service_of(self, keyid: str) -> str | None:
        known = self._keys.get(keyid)
        return None if known is None else known[0]

    def by_service(self) -> dict[str, list[str]]:
        """Every trusted public key, as text, by service (what a subscribing city needs)."""
        texts: dict[str, list[str]] = {}
        for service, key in self._keys.values():
            texts.setdefault(service, []).append(public_key_text(key))
        return {service: sorted(keys) for service, keys in sorted(texts.items())}

    # -- Mapping[key id, public key] -----------------------------------------------------

    def __getitem__(self, keyid: str) -> Ed25519PublicKey:
        if keyid not in self._keys:
            self.reread()
        return self._keys[keyid][1]

    def __contains__(self, keyid: object) -> bool:
        if isinstance(keyid, str) and keyid not in self._keys:
            self.reread()
        return keyid in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._keys)


def new_desk_keys(services: Sequence[str]) -> str:
    """A fresh signing key for each service and the public keys every service trusts, as
    the lines of an env file: the private keys go into each service's secrets, the
    KYOSO_TRUSTED_KEYS line into every service's settings (and to other cities)."""
    keys = {service: Ed25519PrivateKey.generate() for service in services}
    lines = ["# Each service's own signing key: a secret, given to that service only."]
    for service, key in keys.items():
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        lines.append(f"KYOSO_{service.upper()}_SIGNING_KEY={base64.b64encode(raw).decode()}")
    trusted = {service: [public_key_text(key.public_key())] for service, key in keys.items()}
    lines += [
        "# The public keys every service trusts (settings, not secret; other cities get them).",
        f"KYOSO_TRUSTED_KEYS={json.dumps(trusted, separators=(',', ':'))}",
    ]
    return "\n".join(lines)


def main() -> int:
    """Print the desk's public keys (KYOSO_TRUSTED_KEYS, or the data folder's) as JSON;
    with --new SERVICE..., make a new key for each service and print them as env lines."""
    if sys.argv[1:2] == ["--new"]:
        print(new_desk_keys(sys.argv[2:] or ["intake", "routing", "decision", "publication"]))
        return 0
    try:
        settings = load_settings(CommonSettings)
        document = TrustedKeys.from_settings(settings).by_service()
    except ConfigError as problem:
        print(f"kyoso: {problem}", file=sys.stderr)
        return 2
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
