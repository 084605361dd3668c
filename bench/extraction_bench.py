"""Attachment extraction throughput per format over the shared corpus (run on purpose).

    .venv/bin/python bench/extraction_bench.py [--workers N] [--corpus DIR]

Files are extracted one after another through the real worker pool, so the
times include sending the bytes to a worker and the text back. One file of each
format is extracted first so that each parser's import is not counted. The
per-call overhead is measured on a tiny text file.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from outlook_connector.extraction import Extractor

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path(os.environ.get("OUTLOOK_SHARED_DIR", REPO_ROOT.parent / "shared")) / "corpus"


@dataclass
class Tally:
    files: int = 0
    size: int = 0
    seconds: float = 0.0
    with_text: int = 0
    chars: int = 0


def _format_of(path: Path) -> str:
    return path.suffix.lower().lstrip(".") or "(none)"


def _warm_up(extractor: Extractor, paths: list[Path]) -> None:
    seen: set[str] = set()
    for path in paths:
        if _format_of(path) not in seen:
            seen.add(_format_of(path))
            extractor.extract(path.name, None, path.read_bytes())


def _measure(extractor: Extractor, paths: list[Path], workers: int) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)

    def one(path: Path) -> None:
        data = path.read_bytes()
        started = time.perf_counter()
        result = extractor.extract(path.name, None, data)
        elapsed = time.perf_counter() - started
        tally = tallies[_format_of(path)]
        tally.files += 1
        tally.size += len(data)
        tally.seconds += elapsed
        tally.with_text += result.text is not None
        tally.chars += len(result.text or "")

    with ThreadPoolExecutor(workers) as threads:
        list(threads.map(one, paths))
    return tallies


def _print_table(tallies: dict[str, Tally], wall: float) -> None:
    header = f"{'format':<8}{'files':>6}{'MB':>8}{'with text':>11}{'files/s':>10}{'MB/s':>8}"
    print(header + f"{'ms/file':>9}")
    print("-" * (len(header) + 9))
    total = Tally()
    for fmt, t in sorted(tallies.items(), key=lambda item: -item[1].size):
        print(f"{fmt:<8}{t.files:>6}{t.size / 1e6:>8.2f}{t.with_text:>11}"
              f"{t.files / t.seconds:>10.1f}{t.size / 1e6 / t.seconds:>8.2f}"
              f"{1000 * t.seconds / t.files:>9.1f}")
        total.files += t.files
        total.size += t.size
        total.with_text += t.with_text
    print("-" * (len(header) + 9))
    print(f"{'all':<8}{total.files:>6}{total.size / 1e6:>8.2f}{total.with_text:>11}"
          f"{total.files / wall:>10.1f}{total.size / 1e6 / wall:>8.2f}"
          f"{1000 * wall / total.files:>9.1f}   (wall clock)")


def _overhead(extractor: Extractor, calls: int = 200) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        extractor.extract("tiny.txt", "text/plain", b"hello")
    return 1000 * (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    paths = sorted(p for p in (args.corpus / "docs").rglob("*") if p.is_file())
    if not paths:
        raise SystemExit(f"no files under {args.corpus / 'docs'}")
    with Extractor(workers=args.workers) as extractor:
        _warm_up(extractor, paths)
        started = time.perf_counter()
        tallies = _measure(extractor, paths, args.workers)
        wall = time.perf_counter() - started
        overhead = _overhead(extractor)
    print(f"corpus/docs: {len(paths)} files, {args.workers} worker(s)\n")
    _print_table(tallies, wall)
    print(f"\nper-call overhead (5-byte text file): {overhead:.2f} ms")


if __name__ == "__main__":
    main()
