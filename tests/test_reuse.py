"""What one letter reuses from the letters before it (font subsets, line breaks, the XMP claim,
the de-hinted fonts on disk) never changes it: a letter of a merge is, byte for byte, the letter
built alone in a new process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import KS_LETTERHEAD, ROOT, page_texts, write_yaml

BOM = "\ufeff"
HEADER = "name;address;belop"
# ASCII-only names share their character set with each other, the others bring Å, ø, Æ, é in
# different orders: the later letters find their font subsets made by earlier ones.
RECIPIENTS = [
    "Åsane musikklag;Postboks 7|5835 BERGEN;12 000",
    "Hamar skolekorps;Storgata 1|2317 HAMAR;8 000",
    "Tromsø kor;Skippergata 3|9008 TROMSØ;5 500",
    "Ærfuglens venner;Strandvegen 9|8800 SANDNESSJØEN;4 000",
    "Molde jazzklubb;Torget 2|6413 MOLDE;15 000",
    "Café Øst;Kirkegata 4|0153 OSLO;3 000",
]
ALONE = (1, 4, 5)
"""The recipients also built alone: two whose subsets come from the cache, one with its own."""


def _merge(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mottakere.csv").write_bytes((BOM + "\n".join([HEADER, *rows]) + "\n").encode())
    return write_yaml(
        folder / "tilskudd.yaml",
        {
            "letterhead": str(KS_LETTERHEAD),
            "date": "2024-05-02",
            "reference": {"ours": "24/00123-1", "archive_code": "035"},
            "recipients": "mottakere.csv",
            "title": "Tilskudd til {{ recipient.name }}",
            "body": (
                "Dere får kr {{ recipient.belop }} i tilskudd fra kulturmidlene for 2024. "
                "Tilskuddet gjelder tiltaket dere søkte om, og må brukes innen utgangen av "
                "året.\n\n"
                "Vi ber om en kort rapport når tiltaket er gjennomført. Rapporten sendes til "
                "kommunens postmottak, og må vise hva midlene er brukt til. Dersom tiltaket ikke "
                "blir gjennomført, må tilskuddet betales tilbake. Ta kontakt med oss dersom noe "
                "er uklart; vi svarer gjerne på spørsmål om ordningen, søknadsfristene for "
                "neste år og hvordan rapporten bør se ut.\n"
            ),
        },
    )


def _build(letter: Path, out: Path, cache: Path) -> list[Path]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1714600000", "LETTERPRESS_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "letterpress", "build", str(letter), "-j", "1", "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    return sorted(out.rglob("*.pdf"))


def test_each_letter_of_a_merge_is_the_letter_built_alone(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    merged = _build(_merge(tmp_path / "merge", RECIPIENTS), tmp_path / "out", cache)
    assert len(merged) == len(RECIPIENTS)
    # Files are numbered by their place in the merge: 002-hamar-skolekorps.pdf.
    by_name = {path.name.partition("-")[2]: path for path in merged}
    for index in ALONE:
        # A new process and an empty cache folder: nothing is reused from another letter.
        folder = tmp_path / f"alone-{index}"
        [alone] = _build(_merge(folder, [RECIPIENTS[index]]), folder / "out", folder / "cache")
        together = by_name[alone.name.partition("-")[2]]
        name = RECIPIENTS[index].split(";")[0]
        assert name in page_texts(together)[0]
        assert together.read_bytes() == alone.read_bytes(), f"{name}: the merged letter differs"


def test_fonts_kept_on_disk_give_the_same_letter_and_a_damaged_one_is_made_again(
    tmp_path: Path,
) -> None:
    letter = _merge(tmp_path / "letter", RECIPIENTS[:1])
    cache = tmp_path / "cache"
    [first] = _build(letter, tmp_path / "first", cache)
    kept = sorted(cache.glob("font-*.ttf"))
    assert len(kept) >= 2  # one per style the letter uses: regular, bold for the title
    damaged = kept[0].read_bytes()
    kept[0].write_bytes(damaged[: len(damaged) // 2])
    [second] = _build(letter, tmp_path / "second", cache)
    [third] = _build(letter, tmp_path / "third", cache)
    assert first.read_bytes() == second.read_bytes() == third.read_bytes()
    assert kept[0].read_bytes() == damaged
