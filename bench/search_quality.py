"""Quality of the Dutch search analysis: `python bench/search_quality.py [SAMPLE]` (from the
repository root; bench/search.py prints the same figures next to its speed figures).

- Lemma agreement: of SAMPLE (60,000) words of Debian's wdutch list, the inflected ones whose
  simplemma lemma is also a word of the list: the share whose index term is the term of their
  lemma. Today's analysis and the previous one (Snowball) side by side.
- Collapse: distinct lemmas of the sample that fall into an index term another lemma has
  already (a term of three lemmas counts two), as a share of the index terms.
- Compounds (tests/data/compounds_nl.tsv, two words of the list each): the share of parts whose
  search finds a document holding only the compound.
- Single words: the share of tests/data/single_words_nl.txt (words of random samples of the
  list's lemmas that a reader found not to be compounds) that get compound parts; the second
  sample, labelled after the splitter's rules were last tightened, is shown on its own too.

`python bench/search_quality.py --write-compounds` (re)generates the compound list.
"""
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartsociety.search.engine import analysis, dutch  # noqa: E402

WORDS_FILE = Path("/usr/share/dict/dutch")
COMPOUNDS_FILE = ROOT / "tests" / "data" / "compounds_nl.tsv"
SINGLE_WORDS_FILE = ROOT / "tests" / "data" / "single_words_nl.txt"
HOLD_OUT_FROM = "koeling"  # the first word of the second sample in SINGLE_WORDS_FILE
SEED = 20261130


def word_list() -> list[str]:
    return WORDS_FILE.read_text(encoding="utf-8").split()


def _term(key: str, word: str) -> tuple[str, ...]:
    return tuple(analysis.tokens(key, word))


def lemma_figures(sample_size: int = 60_000) -> dict:
    import simplemma

    words = word_list()
    known = set(words)
    sample = random.Random(SEED).sample(words, min(sample_size, len(words)))
    figures = {"sample": len(sample)}
    pairs = []
    lemmas = set()
    for word in sample:
        lemma = simplemma.lemmatize(word, lang="nl")
        lemmas.add(lemma)
        if lemma != word and lemma in known:
            pairs.append((word, lemma))
    figures["inflected"] = len(pairs)
    for key in ("nl", "nl-stem"):
        agree = sum(1 for word, lemma in pairs if _term(key, word) == _term(key, lemma))
        by_term: dict[tuple, set] = {}
        for lemma in lemmas:
            found = _term(key, lemma)
            if found:
                by_term.setdefault(found, set()).add(lemma)
        # Lemmas that share a term with another lemma, beyond one per term.
        collapsed = sum(len(group) - 1 for group in by_term.values())
        figures[key] = {"agree": agree, "terms": len(by_term), "collapsed": collapsed}
    return figures


def read_compounds(path: Path = COMPOUNDS_FILE) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            compound, first, last = line.split("\t")
            rows.append((compound, first, last))
    return rows


def finds(query_word: str, document: str) -> bool:
    """Whether a search for `query_word` finds a Dutch document of the text `document`: its
    term in the document's terms or in its compounds' parts (what the index matches)."""
    wanted = analysis.tokens("nl", query_word)
    if len(wanted) != 1:
        return False
    whole = set(analysis.tokens("nl", document))
    parts = {part for _pos, part in analysis.analyse_parts(document)}
    return wanted[0] in whole or wanted[0] in parts


def compound_figures(rows=None) -> dict:
    rows = read_compounds() if rows is None else rows
    found = sum(finds(first, compound) + finds(last, compound) for compound, first, last in rows)
    exact = sum(finds(compound, compound) for compound, _f, _l in rows)
    return {"compounds": len(rows), "parts": 2 * len(rows), "found": found, "exact": exact}


def single_words(path: Path = SINGLE_WORDS_FILE) -> list[str]:
    """The hand-labelled single (non-compound) words, in the file's order."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def is_split(word: str) -> bool:
    """Whether indexing the word gives it compound parts."""
    return bool(analysis.analyse_parts(word))


def split_figures(words=None) -> dict:
    words = single_words() if words is None else words
    split = [w for w in words if is_split(w)]
    hold_out = words[words.index(HOLD_OUT_FROM):] if HOLD_OUT_FROM in words else []
    return {"words": len(words), "split": len(split), "examples": split[:12],
            "hold_out": len(hold_out), "hold_out_split": sum(map(is_split, hold_out))}


def sample_lemmas(offset: int, count: int) -> list[str]:
    """A random sample of the list's lemmas, as the single words were drawn from
    (`--sample-lemmas OFFSET COUNT`: SEED + 3 and SEED + 4 made tests/data's list)."""
    words = sorted({w for w in word_list() if w.isalpha() and w.islower()
                    and w == dutch.fold(w)})
    lemmas = [w for w in words if dutch.lemma(w) == w]
    return random.Random(SEED + offset).sample(lemmas, count)


def generate_compounds(count: int = 300) -> list[tuple[str, str, str]]:
    """Compounds of two words of the list that simplemma knows as lemmas (4-9 letters), with
    no, "s" or "en" linking letters. Words the analysis would split are left out as parts
    (they are compounds already)."""
    rng = random.Random(SEED + 2)
    words = sorted({w for w in word_list() if w.isalpha() and w.islower() and 4 <= len(w) <= 9
                    and dutch.lemma(w) == w and w not in dutch.NOT_MODIFIERS
                    and w not in dutch.NOT_HEADS})
    words = [w for w in words if not dutch.split(w)]
    rows, seen = [], set()
    while len(rows) < count:
        first, last = rng.choice(words), rng.choice(words)
        link = rng.choices(["", "s", "en"], weights=[50, 35, 15])[0]
        if link and first.endswith(("s", "e", "n")):
            link = ""
        compound = first + link + last
        if compound not in seen and first != last:
            seen.add(compound)
            rows.append((compound, first, last))
    return rows


def report(sample_size: int = 60_000) -> list[str]:
    started = time.monotonic()
    lines = []
    lemmas = lemma_figures(sample_size)
    inflected = lemmas["inflected"]
    lines.append(f"lemma agreement ({lemmas['sample']:,} wdutch words, {inflected:,} inflected "
                 "with a lemma in the list, reference simplemma):")
    for key, label in (("nl", "lemmas (now)"), ("nl-stem", "Snowball (before)")):
        found = lemmas[key]
        lines.append(
            f"  {label:18} {found['agree']:,} / {inflected:,} = "
            f"{100 * found['agree'] / max(inflected, 1):.1f}% agree; collapsed lemmas "
            f"{found['collapsed']:,} of {found['terms']:,} index terms = "
            f"{100 * found['collapsed'] / max(found['terms'], 1):.1f}%   (targets >= 95%, < 3%)")
    compounds = compound_figures()
    lines.append(
        f"compound recall: {compounds['found']} / {compounds['parts']} parts of "
        f"{compounds['compounds']} compounds = "
        f"{100 * compounds['found'] / max(compounds['parts'], 1):.1f}% "
        f"(target >= 90%); the compound itself: {compounds['exact']} / {compounds['compounds']}")
    singles = split_figures()
    lines.append(
        f"single words split: {singles['split']} / {singles['words']} = "
        f"{100 * singles['split'] / max(singles['words'], 1):.1f}% (target <= 5%; "
        f"hand-labelled non-compounds of wdutch, {SINGLE_WORDS_FILE.name}); of its hold-out "
        f"sample {singles['hold_out_split']} / {singles['hold_out']} = "
        f"{100 * singles['hold_out_split'] / max(singles['hold_out'], 1):.1f}%; split: "
        f"{', '.join(singles['examples'])}")
    lines.append(f"(quality figures computed in {time.monotonic() - started:.1f}s)")
    return lines


if __name__ == "__main__":
    if "--write-compounds" in sys.argv:
        COMPOUNDS_FILE.parent.mkdir(parents=True, exist_ok=True)
        rows = generate_compounds()
        COMPOUNDS_FILE.write_text(
            "# compound, first part, last part: generated by bench/search_quality.py "
            "--write-compounds\n" + "".join(f"{c}\t{f}\t{la}\n" for c, f, la in rows),
            encoding="utf-8")
        print(f"wrote {len(rows)} compounds to {COMPOUNDS_FILE}")
    elif "--sample-lemmas" in sys.argv:
        offset, count = (int(a) for a in sys.argv[2:4])
        print("\n".join(sample_lemmas(offset, count)))
    else:
        args = [a for a in sys.argv[1:] if a.isdigit()]
        print("\n".join(report(int(args[0]) if args else 60_000)))
