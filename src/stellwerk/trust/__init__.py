"""Trust in deployed items: X.509 signatures as JS7 signs workflows and job resources."""

from __future__ import annotations
