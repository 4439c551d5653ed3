"""Texts for the character model: a generated corpus with structure a unit can discover, a person's own text,
and the features of a text (bracket depth, inside quotes, position in the line, ...) computed character by
character, so that units can be compared with them.

The generated corpus is the lesson of Karpathy, Johnson & Fei-Fei, "Visualizing and Understanding Recurrent
Networks": a text whose next character depends on something the network must count or remember. Each line is
one bracketed expression: words, numbers and quoted words inside nested brackets, and the line ends exactly
when the last bracket closes. To know whether ``)`` or a newline may come next, the network has to know how
deep it is, so training grows units that track the bracket depth; quotes must be closed, so a unit tracks
"inside quotes". A real text would teach the same, but it needs megabytes and hours; this corpus shows it
after a few seconds of training on one core.
"""

import unicodedata

import numpy as np

from .data import InputError

WORDS = ("the", "cat", "sat", "on", "a", "mat", "dog", "ran", "to", "sea", "sun", "is", "red", "big", "old",
         "we", "see", "it", "and", "not")
MAX_DEPTH = 4
MIN_OWN = 200                 # characters a person's text needs: fewer cannot be split into training chunks
MAX_OWN = 100_000             # and at most this many (a few seconds of training sees a fraction of them)
MAX_VOCAB = 120               # distinct characters: the one-hot input and the softmax grow with it

#: the features of a text that :func:`features` computes, with what each means
FEATURES = {
    "bracket depth": "how many ( [ { are open after this character",
    "inside brackets": "1 while at least one bracket is open",
    "inside quotes": "1 between an opening and a closing \"",
    "position in line": "characters since the last newline (0 at the first character of a line)",
    "start of word": "1 at the first letter of a word",
    "vowel": "1 for a, e, i, o, u (either case, accents ignored: é, Ü)",
    "digit": "1 for 0-9",
}
OPEN, CLOSE = "([{", ")]}"

#: character classes for colouring points (the state's path)
CLASSES = ("letter", "vowel", "digit", "space", "newline", "bracket", "quote", "other")


def _expression(rng, depth, out):
    """One bracketed expression at ``depth`` (1 = outermost), appended to ``out`` as strings."""
    out.append("(")
    for k in range(int(rng.integers(1, 4))):
        if k:
            out.append(" ")
        roll = rng.random()
        if depth < MAX_DEPTH and roll < 0.45 / depth:
            _expression(rng, depth + 1, out)
        elif roll < 0.6:
            out.append(f'"{WORDS[rng.integers(len(WORDS))]}"')
        elif roll < 0.72:
            out.append(str(int(rng.integers(0, 100))))
        else:
            out.append(WORDS[rng.integers(len(WORDS))])
    out.append(")")


def structured_corpus(n_chars=60_000, seed=0):
    """About ``n_chars`` characters of bracketed lines, the same for the same seed (str).

    Example line: ``(the (cat "sat" (on 42)) mat)``; brackets nest up to MAX_DEPTH deep; a line ends when
    its last bracket closes.
    """
    rng = np.random.default_rng([seed, 29])
    lines, total = [], 0
    while total < n_chars:
        parts = []
        _expression(rng, 1, parts)
        line = "".join(parts)
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


CORPORA = {"structured": "Bracketed lines (generated): nesting, quotes and line ends to discover"}


def corpus(name, seed=0):
    """A corpus by name (only ``structured`` so far), as a str."""
    if name != "structured":
        raise InputError(f"no corpus called {name!r}; corpora: {', '.join(CORPORA)}")
    return structured_corpus(seed=seed)


def check_own_text(text):
    """A person's pasted or uploaded text, normalised (NFC, newlines as ``\\n``) and checked; InputError says
    why it cannot be used. Any Unicode is accepted; control characters other than newline and tab are not."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"the file is not UTF-8 text (byte {e.start} cannot be read)") from None
    if not isinstance(text, str):
        raise InputError("the text must be text")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "\x00" in text:
        raise InputError("the text holds NUL bytes: it looks like a binary file, not text")
    bad = sorted({c for c in text if not (c.isprintable() or c in "\n\t")})
    if bad:
        raise InputError(f"the text holds control characters that cannot be shown: "
                         f"{', '.join(f'U+{ord(c):04X}' for c in bad[:5])}")
    if len(text.strip()) < MIN_OWN:
        raise InputError(f"the text has {len(text.strip())} characters; at least {MIN_OWN} are needed to learn from")
    if len(text) > MAX_OWN:
        raise InputError(f"the text has {len(text):,} characters; the limit is {MAX_OWN:,}")
    vocab = set(text)
    if len(vocab) > MAX_VOCAB:
        raise InputError(f"the text uses {len(vocab)} different characters; the limit is {MAX_VOCAB} "
                         "(a character model gives each one an input and an output)")
    return text


def vocabulary(text):
    """The distinct characters of ``text``, sorted by code point (list of str)."""
    return sorted(set(text))


def features(text):
    """Every feature of :data:`FEATURES` for each character, as it stands after reading that character.

    Returns
    -------
    dict name -> ndarray of shape (N,), float64, N = len(text)
    """
    N = len(text)
    depth = np.zeros(N)
    quotes = np.zeros(N)
    pos = np.zeros(N)
    d = col = 0
    inside = False
    for t, ch in enumerate(text):
        if ch in OPEN:
            d += 1
        elif ch in CLOSE:
            d = max(0, d - 1)
        if ch == '"':
            inside = not inside
        depth[t], quotes[t] = d, inside or ch == '"'    # both quote marks belong to the quoted part
        if ch == "\n":
            pos[t], col = col, 0
        else:
            pos[t] = col
            col += 1
    chars = np.array(list(text)) if N else np.array([], dtype="<U1")
    alpha = np.char.isalpha(chars) if N else np.zeros(0, bool)
    prev_alpha = np.concatenate([[False], alpha[:-1]]) if N else alpha
    return {
        "bracket depth": depth,
        "inside brackets": (depth > 0).astype(float),
        "inside quotes": quotes.astype(float),
        "position in line": pos,
        "start of word": (alpha & ~prev_alpha).astype(float),
        "vowel": np.array([is_vowel(c) for c in text], dtype=float),
        "digit": np.char.isdigit(chars).astype(float) if N else np.zeros(0),
    }


def is_vowel(ch):
    """a, e, i, o, u in either case, with or without an accent."""
    return unicodedata.normalize("NFD", ch)[:1].lower() in ("a", "e", "i", "o", "u")


def char_class(ch):
    """The class of one character, one of :data:`CLASSES`."""
    if ch == "\n":
        return "newline"
    if ch.isspace():
        return "space"
    if is_vowel(ch):
        return "vowel"
    if ch.isalpha():
        return "letter"
    if ch.isdigit():
        return "digit"
    if ch in OPEN + CLOSE:
        return "bracket"
    if ch in "\"'«»“”":
        return "quote"
    return "other"
