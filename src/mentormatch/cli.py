"""The ``mentormatch`` command: match applicants, check a cycle, list policies, run a demo.

Exit codes scripts can rely on
------------------------------
====  ==========================================================================
0     success (``check``: no required rule broken)
1     ``check`` only: at least one required rule is broken
2     bad input or usage: unreadable file, invalid table (every problem is
      listed), unknown policy, bad option
3     ``match`` only: the locked pairs contradict each other or the rules
====  ==========================================================================

Errors print as one clear message on stderr, never a traceback (set
``MENTORMATCH_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the console script)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear message, never a traceback
        from ._errors import MatchInfeasibleError, MentormatchError

        if os.environ.get("MENTORMATCH_DEBUG"):
            raise
        if isinstance(exc, MatchInfeasibleError):
            print(f"mentormatch: cannot match: {staff_words(str(exc))}", file=sys.stderr)
            return EXIT_INFEASIBLE
        if isinstance(
            exc, (MentormatchError, FileNotFoundError, IsADirectoryError, PermissionError)
        ):
            print(f"mentormatch: {staff_words(str(exc))}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if isinstance(exc, OSError):  # e.g. writing into a folder that does not exist
            where = f" ({exc.filename})" if exc.filename else ""
            print(f"mentormatch: {exc.strerror or exc}{where}.", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(
            f"mentormatch: unexpected error ({type(exc).__name__}: {exc}). "
            "Please report it; set MENTORMATCH_DEBUG=1 for the traceback.",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT


# --------------------------------------------------------------------------- words

#: The library's parameters as the command's options (messages name the option).
OPTIONS = {
    "as_of": "--as-of",
    "start": "--start",
    "end": "--end",
    "events": "--events",
    "date_format": "--date-format",
    "encoding": "--encoding",
    "delimiter": "--delimiter",
    "min_score": "--min-score",
    "max_pairs": "--max-pairs",
    "time_limit": "--time-limit",
    "locked": "--lock",
    "forbidden": "--forbid",
    "matched_on": "--matched-on",
    "policy": "--policy",
}
_TEMPLATE = re.compile(
    r"The '(?P<name>\w+)' parameter of [\w.]+ must be (?P<expected>.*?)\. "
    r"Got (?P<got>.*) instead\.",
    re.S,
)


def staff_words(text: str) -> str:
    """A library message in the command's words: options, not parameters; no ``None``.

    "The 'end' parameter of check_cycle must be a date on or after start
    (2026-09-01). Got '2026-08-01' instead." becomes "--end must be a date on or
    after --start (2026-09-01); got '2026-08-01'."; "(or pass start=)" becomes
    "(or give --start)" and "(events=None)" "(no --events)".
    """
    m = _TEMPLATE.fullmatch(text.strip())
    if m and m["name"] in OPTIONS:
        expected = m["expected"]
        expected = re.sub(r"^None \([^)]*\) or |^None, | or None\b|, or None\b", "", expected)
        text = f"{OPTIONS[m['name']]} must be {expected}; got {m['got']}."
    for name, option in OPTIONS.items():
        text = re.sub(rf"\({name}=None\)", f"(no {option})", text)
        text = re.sub(rf"\bpass {name}=", f"give {option}", text)
        text = re.sub(rf"(?<![\w-]){name}=", f"{option} ", text)
        text = re.sub(rf"(?<![\w'-]){name} \(", f"{option} (", text)
    return text


# --------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mentormatch",
        description="Match mentors and mentees, and check a mentorship cycle's meeting logs.",
        epilog="Exit codes: 0 ok, 1 required cycle rules broken (check), 2 bad input, "
        "3 locked pairs contradict (match).",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    m = sub.add_parser(
        "match",
        help="match the applicants of a CSV/Excel export",
        description="Validate the applications, check eligibility, score every pair and pick "
        "the best pairs; write pairs and the unmatched list with their reasons.",
    )
    m.add_argument("applications", type=Path, help="applications file (.csv or .xlsx)")
    _policy_option(m, required=True)
    m.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write the result to .xlsx (every table, a sheet each) or .csv (the pairs; the "
        "other tables next to it as NAME_unmatched.csv, NAME_requests.csv, ...)",
    )
    m.add_argument("--min-score", type=float, help="no pair below this score (0 to 1)")
    m.add_argument("--max-pairs", type=int, help="program spots: at most this many pairs")
    m.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds of work, counted so the same input gives the same pairs on any load (default 60)",
    )
    m.add_argument(
        "--matched-on",
        help="the pairs' assignment date written in the pairs file (YYYY-MM-DD; default: "
        "today when today is inside the program's cycle or the program is rolling, else the "
        "next cycle's start)",
    )
    m.add_argument(
        "--lock",
        action="append",
        default=[],
        metavar="MENTEE:MENTOR",
        help="force this pair (repeatable)",
    )
    m.add_argument(
        "--forbid",
        action="append",
        default=[],
        metavar="MENTEE:MENTOR",
        help="never make this pair (repeatable)",
    )
    _reading_options(m, dates=False)
    m.add_argument("--quiet", action="store_true", help="print only errors")
    m.add_argument("--no-progress", action="store_true", help="no progress bar")
    m.set_defaults(func=_cmd_match)

    _explain_parser(sub)

    c = sub.add_parser(
        "check",
        help="check the meeting and submission logs of a cycle",
        description="Check which program rules each pair kept or broke, and when.",
    )
    c.add_argument("pairs", type=Path, help="pairs file (.csv/.xlsx with mentor_id, mentee_id)")
    c.add_argument("meetings", type=Path, help="meetings log (.csv/.xlsx)")
    c.add_argument(
        "--events",
        type=Path,
        help="submissions log (.csv/.xlsx); without it the rules on forms, surveys and "
        "updates are not checked (the output lists them)",
    )
    _policy_option(c, required=True)
    c.add_argument("--start", help="cycle start date (YYYY-MM-DD); default from the policy")
    c.add_argument("--end", help="cycle end date (YYYY-MM-DD); default from the policy")
    c.add_argument("--as-of", help="judge the logs as of this date (YYYY-MM-DD; default today)")
    _reading_options(c, dates=True)
    c.add_argument("-o", "--output", type=Path, help="write violations to .xlsx or .csv")
    c.add_argument("--quiet", action="store_true", help="print only errors")
    c.set_defaults(func=_cmd_check)

    pol = sub.add_parser(
        "policies",
        help="list the preset policies and their rules",
        description="List the preset policies, or print one (as rules or as TOML).",
    )
    pol.add_argument("name", nargs="?", help="a preset name or a policy .toml file")
    pol.add_argument("--toml", action="store_true", help="print the policy as TOML")
    pol.set_defaults(func=_cmd_policies)

    d = sub.add_parser(
        "demo",
        help="run a whole season on the bundled example data",
        description="Match the bundled example applications, then check the example cycle logs.",
    )
    d.add_argument(
        "-o", "--output-dir", type=Path, default=Path("mentormatch-demo"), help="where to write"
    )
    d.set_defaults(func=_cmd_demo)
    return p


def _policy_option(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument(
        "--policy",
        required=required,
        help="the program's rules: a preset (amcto, ama, 3cma, ltb) or a policy .toml file",
    )


def _reading_options(p: argparse.ArgumentParser, *, dates: bool) -> None:
    p.add_argument(
        "--encoding",
        help="the CSV files' encoding, e.g. utf-8 or cp1252 (default: detected; UTF-8, "
        "else Windows-1252)",
    )
    p.add_argument(
        "--delimiter",
        help="the CSV files' delimiter: ',', ';' or tab (default: found from each file)",
    )
    if dates:
        p.add_argument(
            "--date-format",
            help="how day/month dates are written in the logs: dd/mm/yyyy or mm/dd/yyyy "
            "(default: ISO dates always; for others the order a column proves)",
        )


def _iso_date(value: str | None, option: str) -> str | None:
    """A date option: ISO only (03/04/2027 could be either of two days)."""
    import datetime as dt
    import re

    from ._errors import MentormatchError

    if value is None:
        return None
    text = value.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        dt.date.fromisoformat(text)
    except ValueError:
        raise MentormatchError(
            f"{option} must be a date written YYYY-MM-DD; got {value!r}."
        ) from None
    return text


def _version() -> str:
    from . import __version__

    return __version__


def _load_policy(spec: str) -> Any:
    from . import ProgramPolicy, get_policy

    if spec.lower().endswith(".toml"):
        return ProgramPolicy.from_toml(spec)
    return get_policy(spec)


def _check_output(path: Path | None, option: str = "-o/--output") -> None:
    """Fail before the work, not after it: a .csv/.xlsx path in an existing folder."""
    from ._errors import MentormatchError

    if path is None:
        return
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise MentormatchError(f"{option} must end in .csv or .xlsx; got {str(path)!r}.")
    if not path.parent.is_dir():
        raise MentormatchError(
            f"{option}: the folder {str(path.parent)!r} does not exist; got {str(path)!r}."
        )
    if path.is_dir():
        raise MentormatchError(f"{option}: {str(path)!r} is a folder; give a file name.")


@contextlib.contextmanager
def _reading(paths: Path | dict[str, Path]) -> Iterator[None]:
    """A file that is not what its name says is bad input: one sentence, exit code 2.

    ``paths``: the file read, or each table's file (an error names its table).
    """
    from ._errors import InputTableError, MentormatchError

    try:
        yield
    except InputTableError as exc:
        problems = exc.problems
        whole_file = (
            len(problems) == 1 and problems["column"].isna().all() and problems["row"].isna().all()
        )
        path = paths if isinstance(paths, Path) else paths.get(exc.what)
        if not whole_file or path is None:
            raise
        detail = str(problems["value"].iloc[0]).strip()[:200] or "empty file"
        raise MentormatchError(f"{path} could not be read as {_kind(path)} ({detail}).") from None
    except (MentormatchError, FileNotFoundError):
        raise
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError) as exc:
        detail = str(exc).strip().strip('"')[:200] or type(exc).__name__
        path = paths if isinstance(paths, Path) else next(iter(paths.values()))
        raise MentormatchError(f"{path} could not be read as {_kind(path)} ({detail}).") from None


def _kind(path: Path) -> str:
    return "an Excel workbook" if path.suffix.lower() in (".xlsx", ".xlsm") else "a table"


def _pair_args(values: list[str], option: str) -> list[tuple[str, str]]:
    from ._errors import MentormatchError

    out = []
    for v in values:
        mentee, sep, mentor = v.partition(":")
        if not sep or not mentee.strip() or not mentor.strip():
            raise MentormatchError(f"{option} expects MENTEE:MENTOR; got {v!r}.")
        out.append((mentee.strip(), mentor.strip()))
    return out


# --------------------------------------------------------------------------- commands


def _cmd_match(args: argparse.Namespace) -> int:
    from . import match, read_applications

    _check_output(args.output)
    matched_on = _iso_date(args.matched_on, "--matched-on")
    policy = _load_policy(args.policy)
    locked = _pair_args(args.lock, "--lock")
    forbidden = _pair_args(args.forbid, "--forbid")
    with _reading(args.applications):
        apps = read_applications(
            args.applications, policy=policy, encoding=args.encoding, delimiter=args.delimiter
        )
    result = match(
        apps,
        policy,
        locked=locked,
        forbidden=forbidden,
        min_score=args.min_score,
        max_pairs=args.max_pairs,
        time_limit=args.time_limit,
        matched_on=matched_on,
        progress=not (args.quiet or args.no_progress) and sys.stderr.isatty(),
    )
    if not args.quiet:
        print(match_text(result))
    if args.output:
        written = _write_result(result, args.output)
        if not args.quiet:
            print(_wrote(written))
    elif not args.quiet:
        print("Nothing written: give -o FILE.xlsx (or FILE.csv) to save the pairs.")
    return EXIT_OK


def _explain_parser(sub: Any) -> None:
    e = sub.add_parser(
        "explain",
        help="why (not) a pair, and a person's best other partners",
        description="Match the applicants again (same options as match) and answer for one "
        "pair: is it allowed, and what would forcing it cost (pairs, score, the pairs that "
        "would change)? With one person only: their best other partners.",
    )
    e.add_argument("applications", type=Path, help="applications file (.csv or .xlsx)")
    _policy_option(e, required=True)
    e.add_argument("--mentee", help="the mentee's id")
    e.add_argument("--mentor", help="the mentor's id")
    e.add_argument("-k", type=int, default=3, help="how many other partners to list (default 3)")
    e.add_argument("--min-score", type=float, help="as for match")
    e.add_argument("--max-pairs", type=int, help="as for match")
    e.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    e.add_argument("--lock", action="append", default=[], metavar="MENTEE:MENTOR")
    e.add_argument("--forbid", action="append", default=[], metavar="MENTEE:MENTOR")
    _reading_options(e, dates=False)
    e.set_defaults(func=_cmd_explain)


def _cmd_explain(args: argparse.Namespace) -> int:
    from . import match, read_applications
    from ._errors import MentormatchError

    if not args.mentee and not args.mentor:
        raise MentormatchError("explain needs --mentee ID, --mentor ID or both.")
    if args.k < 1:
        raise MentormatchError(f"-k must be a whole number >= 1; got {args.k}.")
    policy = _load_policy(args.policy)
    with _reading(args.applications):
        apps = read_applications(
            args.applications, policy=policy, encoding=args.encoding, delimiter=args.delimiter
        )
    result = match(
        apps,
        policy,
        locked=_pair_args(args.lock, "--lock"),
        forbidden=_pair_args(args.forbid, "--forbid"),
        min_score=args.min_score,
        max_pairs=args.max_pairs,
        time_limit=args.time_limit,
    )
    print(explain_text(result, args.mentee, args.mentor, args.k))
    return EXIT_OK


def explain_text(result: Any, mentee: str | None, mentor: str | None, k: int = 3) -> str:
    """The answers of ``explain``: why_not for a pair, or one person's pair and alternatives."""
    lines = [result.summary().splitlines()[0]]
    if mentee and mentor:
        w = result.why_not(mentee, mentor)
        lines.append(w.detail)
        if w.pairs_change is not None and not w.in_result:
            lines.append(
                f"Change if forced: {w.pairs_change:+d} pairs, {w.score_change:+.4f} total score"
                + (
                    f", {w.priority_change:+d} previously unmatched applicants matched"
                    if w.priority_change
                    else ""
                )
                + ("" if w.proven else " (against a result not proven optimal)")
                + "."
            )
            for _, row in w.changes.iterrows():
                lines.append(f"  {row['action']:>4}  {row['mentee_id']} - {row['mentor_id']}")
        return "\n".join(lines)
    person = str(mentee or mentor)
    pairs = result.pairs
    own = pairs[(pairs["mentee_id"] == person) | (pairs["mentor_id"] == person)]
    for _, row in own.iterrows():
        margin = row["margin"]
        if row["reason"] == "locked":
            sure = "locked by staff"
        elif pd_isna(margin):
            sure = (
                "not a close call"
                if row["close_call"] is False
                else "margin not computed (see result.margins())"
            )
        else:
            sure = f"forbidding it would cost {row['margin_pairs']} pairs and {margin:.4f} score"
            sure += " (a close call)" if row["close_call"] else ""
        lines.append(
            f"Paired: {row['mentee_id']} - {row['mentor_id']} (score {row['score']:.3f}, "
            f"{row['reason']}); {sure}."
        )
    if own.empty:
        un = result.unmatched[result.unmatched["participant_id"] == person]
        if len(un):
            lines.append(f"Not matched ({un['reason'].iloc[0]}): {un['detail'].iloc[0]}")
    alt = result.alternatives(person, k=k)
    if alt.empty:
        lines.append("No other partner is allowed.")
    else:
        lines.append(f"Best other partners ({len(alt)}):")
        for _, row in alt.iterrows():
            lines.append(
                f"  {row['partner_id']}: score {row['score']:.3f}; if forced "
                f"{int(row['pairs_change']):+d} pairs, {row['score_change']:+.4f} total score, "
                f"{int(row['n_changes'])} pairs change"
            )
    return "\n".join(lines)


def pd_isna(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def match_text(result: Any) -> str:
    """The result's summary and its notes for staff, for the terminal."""
    lines = [ln for ln in result.summary().splitlines() if not ln.endswith("see result.notes.")]
    if result.notes:
        lines.append("Notes for staff:")
        lines += [f"  {k}. {staff_words(note)}" for k, note in enumerate(result.notes, start=1)]
    return "\n".join(lines)


def _write_result(result: Any, path: Path) -> list[Path]:
    """Write the result; the files written (a CSV gets its other tables beside it)."""
    if path.suffix.lower() == ".csv":
        result.to_csv(path)
        return [path, *_beside(path, ["unmatched", "requests", "eligibility", "summary"])]
    result.to_excel(path)
    return [path]


def _wrote(paths: list[Path]) -> str:
    if len(paths) == 1:
        return f"Wrote {paths[0]}"
    return f"Wrote {paths[0]} and beside it " + ", ".join(p.name for p in paths[1:])


def _beside(path: Path, names: list[str]) -> list[Path]:
    return [path.with_name(f"{path.stem}_{name}.csv") for name in names]


def _cmd_check(args: argparse.Namespace) -> int:
    from . import check_cycle

    _check_output(args.output)
    start = _iso_date(args.start, "--start")
    end = _iso_date(args.end, "--end")
    as_of = _iso_date(args.as_of, "--as-of")
    policy = _load_policy(args.policy)
    files = {"pairs": args.pairs, "meetings": args.meetings}
    if args.events:
        files["events"] = args.events
    with _reading(files):
        report = check_cycle(
            args.pairs,
            args.meetings,
            policy,
            start=start,
            end=end,
            as_of=as_of,
            events=args.events,
            date_format=args.date_format,
            encoding=args.encoding,
            delimiter=args.delimiter,
        )
    if not args.quiet:
        print(report_text(report, today=as_of is None))
    if args.output:
        written = _write_report(report, args.output, "mentormatch check")
        if not args.quiet:
            print(_wrote(written))
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def _write_report(report: Any, path: Path, func: str) -> list[Path]:
    """Every table of the report with its facts (in the command's words); the files written."""
    from .compliance._files import write

    write(report, path, func, words=staff_words)
    if path.suffix.lower() == ".csv":
        return [path, *_beside(path, [*list(report.export_tables())[1:], "about"])]
    return [path]


def report_text(report: Any, *, today: bool = False) -> str:
    """What a check found and what it did not check, for the terminal."""
    from .compliance._files import calendar_text, cycle_text, input_text, reason_counts

    summary = report.summary
    v = report.violations
    n = len(summary)
    compliant = int(summary["compliant"].sum()) if n else 0
    lines = [
        f"{report.policy.name}: cycle {cycle_text(report)}; as of {report.as_of.date()}"
        + (" (today; set --as-of to judge another day)" if today else "")
        + "."
    ]
    for row in report.inputs.itertuples(index=False):
        lines.append(f"Read {row.table}: {input_text(row)}.")
    lines.append(
        f"{n} pairs checked: {compliant} compliant, {n - compliant} with required rules broken."
    )
    if len(v):
        counts = v.groupby(["severity", "rule"]).size().sort_index()
        lines.append("Violations by rule:")
        for (severity, rule), count in counts.items():
            lines.append(f"  {rule:<26} {severity:<12} {count}")
    if len(report.not_checked):
        lines.append(
            f"Not checked ({len(report.not_checked)} rules; not counted as kept or broken):"
        )
        for row in report.not_checked.itertuples(index=False):
            lines.append(f"  {row.rule:<26} {row.severity:<12} {staff_words(str(row.reason))}")
    for table, frame in (("meeting", report.unused_meetings), ("event", report.unused_events)):
        if len(frame):
            lines.append(f"{len(frame)} {table} rows not used (listed with -o):")
            for reason, count in reason_counts(frame).items():
                lines.append(f"  {count:>5}  {reason}")
    hours = report.hours
    if len(hours):
        logged = float(hours["logged_hours"].sum())
        verified = float(hours["verified_hours"].sum())
        lines.append(
            f"Hours logged by {len(hours)} participants: {logged:.1f}, of which {verified:.1f} "
            "confirmed by the other side's log (per participant with -o)."
        )
    if report.calendar and report.calendar.get("rules"):
        lines.append(f"Business days: {calendar_text(report.calendar)}.")
    return "\n".join(lines)


def _cmd_policies(args: argparse.Namespace) -> int:
    from .policies import PRESETS

    if args.name:
        policy = _load_policy(args.name)
        print(policy.to_toml() if args.toml else describe_policy(policy))
        return EXIT_OK
    for key, policy in PRESETS.items():
        print(f"{key:<6} {policy.name}")
        print(f"       eligibility: {', '.join(r.code for r in policy.eligibility) or '(none)'}")
        rules = ", ".join(f"{r.code} ({r.severity})" for r in policy.cycle.rules)
        print(f"       cycle: {rules}")
    print("\nShow one with: mentormatch policies NAME [--toml]")
    return EXIT_OK


def describe_policy(policy: Any) -> str:
    """A policy's rules in plain words, for the terminal.

    Each rule and setting says where it comes from: the program document and the
    line quoted (``from ...``), or that it is the library's choice, not the
    program's; a cycle rule's parameters the library chose are listed under it.
    """
    m = policy.matching
    c = policy.cycle
    choice = "library's choice (no program document states it)"

    def origin(setting: str) -> str:
        source = m.source(setting)
        return f"from {source}" if source else choice

    lines = [policy.name, "=" * len(policy.name)]
    if policy.description:
        lines += [policy.description, ""]
    lines.append("Eligibility:")
    for r in policy.eligibility:
        lines.append(f"  {r.code}: {r.requirement()}")
        lines.append(f"      {('from ' + r.source) if r.source else choice}")
    if not policy.eligibility:
        lines.append("  (no rules)")
    weights = ", ".join(f"{k} {v:g}" for k, v in m.weights.items())
    yes = {True: "yes", False: "no"}
    min_score = m.min_score if m.min_score is not None else "none"
    settings = [
        ("capacity_cap", f"mentees per mentor: at most {m.capacity_cap}"),
        ("allow_same_organization", f"same organization allowed: {yes[m.allow_same_organization]}"),
        ("allow_previous_partners", f"previous partners allowed: {yes[m.allow_previous_partners]}"),
        ("honor_mutual_requests", f"mutual requests honored: {yes[m.honor_mutual_requests]}"),
        (
            "favor_previously_unmatched",
            f"previously unmatched applicants first: {yes[m.favor_previously_unmatched]}",
        ),
        ("priority", f"priority: {m.priority}"),
        ("min_score", f"minimum score: {min_score}"),
        ("weights", f"weights: {weights}"),
    ]
    if m.region_adjacency:
        settings.append(("region_adjacency", f"neighbouring regions: {len(m.region_adjacency)}"))
    lines.append("Matching:")
    for name, text in settings:
        lines.append(f"  {text}  [{origin(name)}]")
    lines.append("Cycle:")
    if c.start_month:
        lines.append(f"  months {c.start_month} to {c.end_month}")
    elif c.length_months:
        lines.append(f"  {c.length_months} months from each pair's assignment")
    else:
        lines.append("  rolling: each pair's own assignment date starts its cycle")
    lines.append(f"  business days: {c.calendar_text()}")
    for r in c.rules:
        params = ", ".join(f"{k}={v}" for k, v in r.params.items() if v is not None)
        lines.append(f"  {r.code} ({r.severity}; {params}): {r.description}")
        lines.append(f"      {('from ' + r.source) if r.source else choice}")
        for name, why in r.choices.items():
            lines.append(f"      {name}: library's choice, not the program's ({why})")
    return "\n".join(lines)


#: The bundled example season (examples/make_example_data.py).
DEMO_START, DEMO_END, DEMO_AS_OF = "2026-09-01", "2027-06-30", "2027-03-15"


def _cmd_demo(args: argparse.Namespace) -> int:
    from . import check_cycle, check_eligibility, match, read_applications
    from ._errors import MentormatchError
    from .datasets import example_path

    out: Path = args.output_dir
    if out.exists() and not out.is_dir():
        raise MentormatchError(f"-o/--output-dir: {str(out)!r} is a file, not a folder.")
    out.mkdir(parents=True, exist_ok=True)
    apps_path = example_path("applications.csv")
    print(f"1. Reading {apps_path.name} (bundled example, AMCTO rules)")
    apps = read_applications(apps_path, policy="amcto")
    eligibility = check_eligibility(apps, "amcto")
    n_inel = int((~eligibility["eligible"]).sum())
    print(f"   {len(apps)} applications, {n_inel} not eligible")
    print(f"2. Matching (pairs assigned on {DEMO_START}, the example cycle's start)")
    result = match(apps, "amcto", matched_on=DEMO_START, progress=sys.stderr.isatty())
    print("   " + match_text(result).replace("\n", "\n   "))
    result.to_excel(out / "pairs.xlsx")
    result.to_csv(out / "pairs.csv")
    print(f"   wrote {out / 'pairs.xlsx'} and {out / 'pairs.csv'} (with its _unmatched.csv...)")
    print(f"3. Checking those pairs against the example cycle logs as of {DEMO_AS_OF}")
    report = check_cycle(
        out / "pairs.csv",
        example_path("meetings.csv"),
        "amcto",
        start=DEMO_START,
        end=DEMO_END,
        as_of=DEMO_AS_OF,
        events=example_path("events.csv"),
    )
    print("   " + report_text(report).replace("\n", "\n   "))
    _write_report(report, out / "compliance.xlsx", "mentormatch demo")
    print(f"   wrote {out / 'compliance.xlsx'}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
