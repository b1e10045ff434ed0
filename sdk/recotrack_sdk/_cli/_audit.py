"""`recotrack-cli verify` and `recotrack-cli audit verify FILE`: the event log's hash chain,
checked by the service, or offline on an export (no server: `python -m recotrack_sdk.audit`
is the same command), against a checkpoint kept from earlier. Its options and its words are
also those of the service's own `recotrack audit verify` (on the database), so all say the
same."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import msgspec

from recotrack_sdk._cli._context import Context
from recotrack_sdk._cli._exits import BROKEN, OK
from recotrack_sdk.audit import CheckpointLike, decode_checkpoint, verify_ndjson
from recotrack_sdk.models import ChainVerification, Checkpoint, SigningKey


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


def add_offline_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE, --keys and the checkpoint options: `audit verify` (and `python -m
    recotrack_sdk.audit`)."""
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="an NDJSON export of the whole event log"
    )
    parser.add_argument(
        "--keys",
        type=_keys,
        metavar="FILE",
        help="the signing keys as GET /v1/audit/keys gives them (kept by you): the export's "
        "checkpoints must be signed by one of them",
    )
    add_checkpoint_arguments(parser)


def run_verify(ctx: Context, args: argparse.Namespace) -> int:
    """`verify`: by the service, or with --export on a file (the service's keys)."""
    anchor = _anchor(args, "verify")
    if args.export is not None:
        result = verify_file(
            args.export, anchor, args.expected_head, ctx.client.list_signing_keys()
        )
    else:
        result = ctx.client.verify_audit_chain(expected_head=args.expected_head, checkpoint=anchor)
    return report(ctx.out, ctx.format, result)


def run_audit_verify(out: TextIO, format: str, args: argparse.Namespace) -> int:
    """`audit verify FILE`: offline, no server and no token."""
    anchor = _anchor(args, "audit verify")
    result = verify_file(args.file, anchor, args.expected_head, args.keys)
    status = report(out, format, result)
    if format != "json" and result.ok and args.keys is None and result.checkpoints:
        out.write(
            "note: the export's checkpoints were not checked against signing keys "
            "(give --keys FILE, as GET /v1/audit/keys gives them)\n"
        )
    return status


def verify_file(
    path: Path,
    anchor: CheckpointLike | None,
    expected_head: str | None,
    keys: Sequence[SigningKey] | None,
) -> ChainVerification:
    from recotrack_sdk._cli._parser import UsageError

    try:
        with path.open("rb") as lines:
            return verify_ndjson(
                lines, expected_head, checkpoints=[] if anchor is None else [anchor], keys=keys
            )
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def report(out: TextIO, format: str, result: ChainVerification) -> int:
    if format == "json":
        out.write(msgspec.json.encode(result).decode() + "\n")
    else:
        out.writelines(line + "\n" for line in describe(result))
    return OK if result.ok else BROKEN


def _anchor(args: argparse.Namespace, command: str) -> CheckpointLike | None:
    from recotrack_sdk._cli._parser import PROG, UsageError

    try:
        return anchor_of(args)
    except ValueError as exc:
        raise UsageError(f"{PROG} {command}: {exc}") from None


def describe(result: ChainVerification) -> list[str]:
    head = result.head_hash or "(empty log)"
    if result.ok:
        n = result.checkpoints
        held = f"; {n} checkpoint{' holds' if n == 1 else 's hold'}" if n else ""
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


_key_list = msgspec.json.Decoder(list[SigningKey])


def _keys(text: str) -> list[SigningKey]:
    try:
        return _key_list.decode(Path(text).read_bytes())
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {exc.strerror or exc}") from None
    except msgspec.DecodeError as exc:
        raise argparse.ArgumentTypeError(
            f"not signing keys as GET /v1/audit/keys gives them: {exc}"
        ) from None
