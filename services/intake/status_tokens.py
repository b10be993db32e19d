"""The proposer's secret status token: an HMAC of the proposal id under the desk's key.

Nothing needs storing: the same proposal always gets the same token (so a retried
submission answers with the same link), and a token proves knowledge of the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID


class StatusTokens:
    def __init__(self, secret_key: bytes) -> None:
        if len(secret_key) < 16:
            raise ValueError("the status-token key must be at least 16 bytes")
        self._key = secret_key

    def issue(self, proposal_id: UUID) -> str:
        digest = hmac.new(self._key, proposal_id.bytes, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def verify(self, proposal_id: UUID, token: str) -> bool:
        return hmac.compare_digest(self.issue(proposal_id), token)
