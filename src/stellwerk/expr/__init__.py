"""expr"""

from __future__ import annotations
