"""The one cleaner for names people see (display names, entity names): bidi overrides and
invisible characters are stripped, whitespace is collapsed, so no name can hide or reorder text
("‮kcat_mail" reading as "liam_tack") or look empty while it is not."""

import unicodedata

# Letters that render as nothing: Hangul fillers and the like (category Lo, so not caught by Cf).
_INVISIBLE_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u034f", "\u180e"}
ZERO_WIDTH_JOINER = "\u200d"


def _is_pictographic(char: str) -> bool:
    # Emoji and their variation selectors: a ZWJ between two of them builds one emoji (👩‍🌾).
    return unicodedata.category(char) in ("So", "Sk", "Mn") or "\U0001f3fb" <= char <= "\U0001f3ff"


def name_clean(value: str) -> str:
    """`value` without control, format (Cf: bidi embeddings, overrides and isolates, marks,
    zero-width spaces, BOM, soft hyphens) or invisible characters, any run of whitespace as one
    space, trimmed. A zero-width joiner survives only inside an emoji sequence."""
    text = unicodedata.normalize("NFC", value or "")
    kept: list[str] = []
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if char == ZERO_WIDTH_JOINER:
            before = kept[-1] if kept else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if before and after and _is_pictographic(before) and _is_pictographic(after):
                kept.append(char)
            continue
        if category in ("Cc", "Cf", "Cs", "Co", "Cn") and not char.isspace():
            continue
        if char in _INVISIBLE_LETTERS:
            continue
        kept.append(" " if char.isspace() or category == "Zs" else char)
    return " ".join("".join(kept).split())
