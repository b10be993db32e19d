"""What departments and the desk ask routing to do: validated pydantic models.

FastAPI validates request bodies against these, so a missing or malformed field gets a
422 that names it (the same convention as services/intake/commands.py).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.contract import DialogueMilestone
from shared.contract.vocabulary import MESSAGE_MAX_LENGTH

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Decline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class Reassignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    departments: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]] = Field(
        min_length=1, max_length=5, description="The lead first"
    )
    reason: Reason


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    milestone: DialogueMilestone
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    # With confidentiality_agreed (and only with it): what stays confidential, as agreed.
    confidentiality_scope: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None


class StatusLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ja: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    en: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class DialogueText(BaseModel):
    """A note for the dialogue log, or a message to the proposer."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_MAX_LENGTH)
    ]
