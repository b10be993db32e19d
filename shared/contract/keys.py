"""Ed25519 keys as they are written in settings and files: PEM, or Base64 of the 32 raw
bytes. Errors never repeat the text they were given (a private key is a secret)."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

_PEM = "-----BEGIN"


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's id: SHA-256 (hex) of its 32 raw bytes, the same however it is written."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def _raw(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"not an Ed25519 {what} (PEM, or Base64 of 32 bytes)") from None
    if len(raw) != 32:
        raise ValueError(f"not an Ed25519 {what}: Base64 of {len(raw)} bytes, not 32")
    return raw


def load_private_key(text: str) -> Ed25519PrivateKey:
    if text.lstrip().startswith(_PEM):
        try:
            key = load_pem_private_key(text.strip().encode(), password=None)
        except (ValueError, TypeError):
            raise ValueError("not a readable PEM private key (unencrypted PKCS#8)") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM private key is not an Ed25519 key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw(text, "private key"))


def load_public_key(text: str) -> Ed25519PublicKey:
    if text.lstrip().startswith(_PEM):
        try:
            key = load_pem_public_key(text.strip().encode())
        except ValueError:
            raise ValueError("not a readable PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM public key is not an Ed25519 key")
        return key
    return Ed25519PublicKey.from_public_bytes(_raw(text, "public key"))


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """Base64 of the 32 raw bytes: one line, for JSON and for `<service>.pub` files."""
    return base64.b64encode(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
