"""Who a claim is attributed to: source names, vague sources, subject keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

# Deleted, not spaced: "U.S." -> "us", "Pakistan's" -> "pakistans".
_URL_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?")
_JOINING_MARKS = frozenset("'.\u2018\u2019\u02bc")
# Heads that make an attribution vague when nothing names a person or body.
VAGUE_PLURAL_HEADS = frozenset(
    "sources officials analysts observers experts reports critics diplomats insiders "
    "residents witnesses eyewitnesses people aides authorities circles quarters "
    "commentators officers figures leaders members locals villagers accounts "
    "rumours rumors estimates media".split()
)
VAGUE_SINGULAR_HEADS = frozenset(
    "source official analyst observer expert diplomat insider resident witness "
    "aide officer spokesman spokeswoman spokesperson person report".split()
)
# Singular heads are vague only after one of these ("an official", "a source").
_INDEFINITE = frozenset("a an one another unnamed anonymous unidentified".split())
# Modifiers that describe without naming.  An unknown modifier ("isi officials")
# is taken to name someone, so the list errs towards "named".
VAGUE_MODIFIERS = _INDEFINITE | frozenset(
    "the some several many most few various certain other unnamed anonymous "
    "unidentified senior top high ranking level junior "
    "local foreign international western regional government official security "
    "diplomatic military intelligence political police defence defense independent "
    "informed reliable credible knowledgeable concerned relevant "
    "number handful group couple of two three four five dozen dozens us "
    "afghan pakistani indian american british chinese iranian russian saudi "
    "turkish european arab israeli palestinian qatari emirati french german "
    "taliban baloch kashmiri bangladeshi tribal provincial federal state "
    "news media medical hospital rescue party administration".split()
)
# Words that end the descriptive part: "sources close to ...", "officials said".
_TAIL_WORDS = frozenset(
    "familiar close in of at within from who with speaking privy aware involved "
    "said say says told claimed claim believe believed quoted cited".split()
)
VAGUE_PHRASES = frozenset(
    "some|they|many|others|it is understood|it is believed|it is said|sources say|"
    "social media|unnamed|anonymous".split("|")
)


def normalise_source(text: str, aliases: Mapping[str, str] | None = None) -> str:
    """Casefolded, punctuation-free, single-spaced form, then the alias lookup.

    A leading URL scheme and "www." are dropped.  Letters, digits and
    combining marks of any script are kept; format
    characters (the zero-width joiners of Persian and Urdu) are dropped; any
    other character becomes a space.  ``aliases`` maps a *normalised* alias to a
    canonical display name, which is returned as is.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    folded = _URL_PREFIX.sub("", folded)
    chars = []
    for char in folded:
        category = unicodedata.category(char)
        if char in _JOINING_MARKS or category == "Cf":
            continue
        chars.append(char if category[0] in "LNM" else " ")
    key = " ".join("".join(chars).split())
    return aliases.get(key, key) if aliases else key


def normalise_aliases(aliases: Mapping[str, str] | None) -> dict[str, str]:
    """Alias table with normalised keys, plus each canonical name as its own key."""
    table = {normalise_source(alias): name for alias, name in (aliases or {}).items()}
    # The canonical spelling maps to itself, so it is displayed the same way.
    for name in set(table.values()):
        table.setdefault(normalise_source(name), name)
    return table


def is_vague_source(normalised: str) -> bool:
    """Whether a normalised attribution names nobody ("diplomatic sources").

    Vague when the whole text is a stock phrase, or when it reads
    ``[modifiers] head [tail]`` with every modifier in ``VAGUE_MODIFIERS``, a
    plural head in ``VAGUE_PLURAL_HEADS`` (or a singular head after "a", "an",
    "one", "unnamed"...) and a tail opening with a word such as "familiar",
    "close", "in" or "said".
    """
    text = normalised.removeprefix("according to ").strip()
    if not text:
        return False
    if text in VAGUE_PHRASES:
        return True
    tokens = text.split()
    for position, token in enumerate(tokens):
        plural = token in VAGUE_PLURAL_HEADS
        if not plural and token not in VAGUE_SINGULAR_HEADS:
            continue
        modifiers, tail = tokens[:position], tokens[position + 1 :]
        if tail and tail[0] not in _TAIL_WORDS:
            continue
        if not all(word in VAGUE_MODIFIERS or word.isdigit() for word in modifiers):
            return False
        return plural or bool(_INDEFINITE.intersection(modifiers))
    return False


@dataclass(frozen=True)
class SourceKey:
    """Who a claim is attributed to; vague sources carry their article's id."""

    name: str  # normalised canonical name
    article_id: Hashable | None = None
    label: str = field(default="", compare=False)  # display name

    @property
    def vague(self) -> bool:
        return self.article_id is not None


def source_key(
    cited_source: str | None,
    article_id: Hashable,
    aliases: Mapping[str, str] | None = None,
) -> SourceKey | None:
    """Subject a cited source is scored under; None when nothing is cited.

    A vague source ("officials") is a different subject in every article, since
    nothing shows two outlets' "officials" are the same people.  An alias hit is
    always a named source.
    """
    key = normalise_source(cited_source or "")
    if not key:
        return None
    if aliases and key in aliases:
        canonical = aliases[key]
        return SourceKey(normalise_source(canonical), None, canonical)
    if is_vague_source(key):
        return SourceKey(key, article_id, key)
    return SourceKey(key, None, key)
