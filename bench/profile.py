"""Summarize py-spy's collapsed stacks: where the server's samples went.

    python -m bench.profile FILE [--top 25] [--match helpline]

Prints the share of samples that include each function anywhere on the stack
(inclusive), the leaf functions (self time), and optionally only frames whose file
matches --match.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        frames, _, count = line.rpartition(" ")
        stacks.append((frames.split(";"), int(count)))
    return stacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="")
    args = parser.parse_args()
    stacks = load(args.file)
    total = sum(count for _, count in stacks) or 1
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    for frames, count in stacks:
        for frame in set(frames):
            if args.match in frame:
                inclusive[frame] += count
        leaf[frames[-1]] += count
    print(f"{total} samples in {args.file}")
    print("\ninclusive (share of samples with the function on the stack):")
    for frame, count in inclusive.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("\nself (leaf frames):")
    for frame, count in leaf.most_common(args.top):
        print(f"  {100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
