"""Decisions that need every edition read: malformed numbers completed (or rejected), revisions.

A malformed number is published as corrected only when another edition prints the full number
or the row's printed change confirms the completed one; otherwise it is rejected. A figure that
an edition prints differently from an earlier one (beyond rounding) is a revision, reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from converter.extraction.outcome import Extraction
from converter.extraction.rules import _change_matches, _malformed_nl, nl_number, same_when_rounded
from converter.model import Observation, Reject
from converter.numbers import MalformedNumber

CORRECTED = "corrected"

Report = Callable[..., None]
"""Records a finding: (kind, edition, place, message, indicator="", year=None, nl="")."""


@dataclass
class Pending:
    """A malformed number waiting for the other editions to be read."""

    error: MalformedNumber
    observation: Observation  # with value None; filled in if the number can be confirmed
    change_check: tuple[Decimal, str] | None  # (previous year's value, printed change) if it applies


def _figures_by_key(observations: list[Observation]) -> dict[tuple[str, str, int], list[Observation]]:
    by_key = defaultdict(list)
    for o in observations:
        if o.value is not None:
            by_key[(o.indicator, o.breakdown, o.year)].append(o)
    return by_key


def resolve_malformed(result: Extraction, pending: list[Pending], finding: Report) -> None:
    """Publish each pending number that another edition or the printed change confirms, with status
    corrected; reject the others. Both are reported."""
    if not pending:  # most builds: the index of every figure is not needed
        return
    by_key = _figures_by_key(result.observations)
    for held in pending:
        o, error = held.observation, held.error
        account = result.accounts[o.table]
        witness = next((w for w in by_key[(o.indicator, o.breakdown, o.year)] if w.edition != o.edition and error.completes_to(w.value)), None)
        value, note = None, ""
        if witness is not None:
            value = witness.value
            note = (f"printed {o.raw!r} ({error.reason}); completed to {value} from edition {witness.edition}, "
                    f"which prints {witness.raw!r} ({witness.place})")
        elif held.change_check and error.candidate is not None:
            previous, printed = held.change_check
            if _change_matches(previous, error.candidate, printed, Decimal("0.5")):
                value = error.candidate
                note = (f"printed {o.raw!r} ({error.reason}); read as {value} by completing the last digit "
                        f"group with zeros, which the printed change {printed!r} confirms")
        if value is None:
            account.cells_published -= 1
            account.cells_rejected += 1
            reason = f"malformed number: {error.reason}; neither another edition nor the printed change confirms a completion, so it is not published"
            reason_nl = (f"onjuist getal: {_malformed_nl(error)}; geen andere editie en geen gedrukte verandering "
                         "bevestigt een aanvulling, dus niet gepubliceerd")
            result.rejects.append(Reject(o.edition, o.place, o.table, o.label, o.year, o.raw, reason, reason_nl))
            finding("malformed-number", o.edition, o.place, f"{o.label!r} {o.year}: {o.raw!r}: {reason}", o.indicator, o.year,
                    nl=f"{o.label!r} {o.year}: {o.raw!r}: {reason_nl}")
            continue
        fixed = replace(o, value=value, status=CORRECTED, status_note=note)
        result.observations.append(fixed)
        account.observations += 1
        how = (f"aangevuld tot {nl_number(value)} uit editie {witness.edition}, die {witness.raw!r} drukt ({witness.place})"
               if witness is not None else
               f"gelezen als {nl_number(value)} door de laatste groep met nullen aan te vullen, wat de gedrukte verandering "
               f"{held.change_check[1] if held.change_check else ''!r} bevestigt")
        finding("malformed-number", o.edition, o.place, f"{o.label!r} {o.year}: {note}; published with status corrected", o.indicator, o.year,
                nl=f"{o.label!r} {o.year}: gedrukt {o.raw!r} ({_malformed_nl(error)}); {how}; gepubliceerd met status gecorrigeerd")


def revisions(observations: list[Observation], finding: Report) -> None:
    """Report each figure that editions print with different values (beyond rounding)."""
    for (indicator, breakdown, year), found in sorted(_figures_by_key(observations).items()):
        editions = {o.edition: o for o in found}
        if len(editions) > 1 and len({o.value for o in editions.values()}) > 1 and not same_when_rounded(list(editions.values())):
            ordered = sorted(editions.values(), key=lambda o: o.edition)
            text = "; ".join(f"{o.raw!r} in edition {o.edition} ({o.place})" for o in ordered)
            text_nl = "; ".join(f"{o.raw!r} in editie {o.edition} ({o.place})" for o in ordered)
            finding("revision", ordered[-1].edition, ordered[-1].place, f"{indicator} {year}: {text}", indicator, year,
                    nl=f"{indicator} {year}: {text_nl}")
