"""engine/instructions"""

from __future__ import annotations
