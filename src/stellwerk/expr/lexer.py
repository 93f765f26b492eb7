"""Character-level scanning for the parser: whitespace and comments, names, numbers, symbols, error positions."""

from __future__ import annotations

from decimal import Decimal

from stellwerk.model.values import normalize_number

# A symbol must not be the prefix of a longer one at the same place ("+" is not the start of "++").
_LONGER_SYMBOLS = {
    "+": ("++",),
    "<": ("<=",),
    ">": (">=",),
    "=": ("==", "=>"),
    "!": ("!=",),
    "&": ("&&",),
    "|": ("||",),
}


class ParseError(Exception):
    """Raised inside the parser only; `parse` turns it into a Problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def is_identifier_start(char: str) -> bool:
    return char.isidentifier()


def is_identifier_part(char: str) -> bool:
    return char != "" and ("a" + char).isidentifier()


def line_and_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return line, column


class Cursor:
    """A position in the source text with the scanning steps the grammar needs."""

    __slots__ = ("pos", "text")

    def __init__(self, text: str, pos: int = 0) -> None:
        self.text = text
        self.pos = pos

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def fail(self, expected: str, position: int | None = None) -> ParseError:
        return ParseError(f"Expected {expected}", self.pos if position is None else position)

    def skip_whitespace(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("'*/' closing the comment", len(text))
                self.pos = end + 2
            else:
                return

    def at_symbol(self, symbol: str) -> bool:
        if not self.text.startswith(symbol, self.pos):
            return False
        return not any(self.text.startswith(longer, self.pos) for longer in _LONGER_SYMBOLS.get(symbol, ()))

    def take_symbol(self, symbol: str) -> bool:
        if self.at_symbol(symbol):
            self.pos += len(symbol)
            return True
        return False

    def expect_symbol(self, symbol: str) -> None:
        self.skip_whitespace()
        if not self.take_symbol(symbol):
            raise self.fail(f"'{symbol}'")

    def at_keyword(self, word: str) -> bool:
        return self.text.startswith(word, self.pos) and not is_identifier_part(self.peek(len(word)))

    def take_keyword(self, word: str) -> bool:
        if self.at_keyword(word):
            self.pos += len(word)
            return True
        return False

    def at_identifier(self) -> bool:
        char = self.peek()
        return char == "`" or (char != "" and is_identifier_start(char))

    def take_identifier(self) -> str | None:
        if self.peek() == "`":
            return self._take_backtick_identifier()
        if not self.at_identifier():
            return None
        start = self.pos
        self.pos += 1
        while self.pos < len(self.text) and is_identifier_part(self.text[self.pos]):
            self.pos += 1
        return self.text[start : self.pos]

    def expect_identifier(self) -> str:
        self.skip_whitespace()
        name = self.take_identifier()
        if name is None:
            raise self.fail("a name")
        return name

    def _take_backtick_identifier(self) -> str:
        # `a``b` is the name a`b; a backtick name must not be empty nor contain a line break
        start = self.pos
        parts: list[str] = []
        while self.peek() == "`":
            end = self.text.find("`", self.pos + 1)
            if end < 0 or "\n" in self.text[self.pos + 1 : end]:
                raise self.fail("closing '`'", start)
            parts.append(self.text[self.pos + 1 : end])
            self.pos = end + 1
        name = "`".join(parts)
        if not name:
            raise ParseError("Identifier in backticks (`) must not be empty", start)
        return name

    def take_digits(self) -> str | None:
        start = self.pos
        while self.peek().isascii() and self.peek().isdigit():
            self.pos += 1
        return self.text[start : self.pos] if self.pos > start else None

    def at_number(self) -> bool:
        offset = 1 if self.peek() in ("-", "+") else 0
        char = self.peek(offset)
        return char.isascii() and char.isdigit()

    def take_number(self) -> int | Decimal:
        """A decimal number like `-12.50`; the sign is part of the number only when a digit follows it."""
        start = self.pos
        if self.peek() in ("-", "+"):
            self.pos += 1
        self.take_digits()
        if self.peek() == "." and self.peek(1).isascii() and self.peek(1).isdigit():
            self.pos += 1
            self.take_digits()
            return normalize_number(Decimal(self.text[start : self.pos]))
        return int(self.text[start : self.pos])
