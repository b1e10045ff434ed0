"""`recotrack-cli verify`: the event log's hash chain, checked by the service or offline on an
export, against a checkpoint kept from earlier. Its options and its words are also those of
the service's own `recotrack audit verify` (on the database), so the two say the same."""

from __future__ import annotations

import argparse
from pathlib import Path

import msgspec

from recotrack_sdk._cli._context import Context
from recotrack_sdk._cli._exits import BROKEN, OK
from recotrack_sdk.audit import CheckpointLike, decode_checkpoint, verify_ndjson
from recotrack_sdk.models import ChainVerification, Checkpoint


def add_checkpoint_arguments(parser: argparse.ArgumentParser) -> None:
    """--checkpoint, --at-seq with --expected-hash, --expected-head."""
    parser.add_argument(
        "--checkpoint",
        type=_checkpoint,
        metavar="FILE",
        help="a signed checkpoint as issued (a file holding its JSON, or the JSON itself)",
    )
    parser.add_argument(
        "--at-seq", type=_seq, metavar="N", help="with --expected-hash: the event it is of"
    )
    parser.add_argument("--expected-hash", type=_hash, metavar="HASH", help="event N's hash")
    parser.add_argument(
        "--expected-head",
        type=_hash,
        metavar="HASH",
        help="a head hash noted earlier: the chain must end exactly there",
    )


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    add_checkpoint_arguments(parser)
    parser.add_argument(
        "--export",
        type=Path,
        metavar="FILE",
        help="check this NDJSON export of the whole log offline instead (its own checkpoints "
        "too, their signatures against the keys the service publishes)",
    )


def run_verify(ctx: Context, args: argparse.Namespace) -> int:
    from recotrack_sdk._cli._parser import UsageError

    try:
        anchor = anchor_of(args)
    except ValueError as exc:
        raise UsageError(f"recotrack-cli verify: {exc}") from None
    if args.export is not None:
        keys = ctx.client.list_signing_keys()
        with args.export.open("rb") as lines:
            result = verify_ndjson(
                lines,
                args.expected_head,
                checkpoints=[] if anchor is None else [anchor],
                keys=keys,
            )
    else:
        result = ctx.client.verify_audit_chain(expected_head=args.expected_head, checkpoint=anchor)
    if ctx.format == "json":
        ctx.out.write(msgspec.json.encode(result).decode() + "\n")
    else:
        ctx.write(describe(result))
    return OK if result.ok else BROKEN


def describe(result: ChainVerification) -> list[str]:
    head = result.head_hash or "(empty log)"
    if result.ok:
        held = f"; {result.checkpoints} checkpoints hold" if result.checkpoints else ""
        return [f"ok: {result.count} events, head {head}{held}"]
    problem = result.first_problem
    assert problem is not None
    where = f"event {problem.seq}" if problem.seq is not None else "the log"
    if problem.from_seq is not None and problem.seq is not None and problem.from_seq < problem.seq:
        joint = "and" if problem.seq == problem.from_seq + 1 else "to"
        where = f"events {problem.from_seq} {joint} {problem.seq}"
    return [
        f"broken: {where}: {problem.kind}: {problem.detail}",
        f"intact before it: {result.count} events, head {result.head_hash or '(none)'}",
    ]


def anchor_of(args: argparse.Namespace) -> CheckpointLike | None:
    """The checkpoint the arguments name, or None; ValueError for half a one, or two."""
    if (args.at_seq is None) != (args.expected_hash is None):
        raise ValueError("--at-seq and --expected-hash go together")
    if args.at_seq is not None:
        if args.checkpoint is not None:
            raise ValueError("give --checkpoint or --at-seq, not both")
        return (args.at_seq, args.expected_hash)
    checkpoint: Checkpoint | None = args.checkpoint
    return checkpoint


def _seq(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"not an event number: {text!r}")
    return int(text)


def _hash(text: str) -> str:
    value = text.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise argparse.ArgumentTypeError(f"not a SHA-256 hash in hex: {text!r}")
    return value


def _checkpoint(text: str) -> Checkpoint:
    raw = text.strip()
    if not raw.startswith("{"):
        try:
            raw = Path(text).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise argparse.ArgumentTypeError(f"cannot read {text}: {exc}") from None
    try:
        return decode_checkpoint(raw)
    except msgspec.DecodeError as exc:
        raise argparse.ArgumentTypeError(f"not a checkpoint as issued: {exc}") from None
