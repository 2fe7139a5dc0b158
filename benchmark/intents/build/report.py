"""What a build did: each problem's Outcome, the BuildReport the CLI prints, and progress callbacks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmark.intents.build.selection import BuildItem
from benchmark.intents.record import Intent
from benchmark.intents.validate import Complaint


@dataclass
class Outcome:
    """What happened to one problem."""

    item: BuildItem
    intent: Intent | None
    complaints: list[Complaint] = field(default_factory=list)
    """What validate still rejects (empty when the intent was written)."""
    fixed: tuple[str, ...] = ()
    """Rules: the validate rules whose complaints were repaired. LLM: rules the writer was told about."""
    attempts: int = 1

    @property
    def status(self) -> str:
        if self.intent is None:
            return "failed"
        return "fixed" if self.fixed else "ok"


@dataclass
class BuildReport:
    """Outcomes of one build, with the counts the CLI prints."""

    method: str
    source: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def intents(self) -> list[Intent]:
        return [o.intent for o in self.outcomes if o.intent is not None]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def fixed_by_rule(self) -> Counter[str]:
        return Counter(rule for o in self.outcomes for rule in o.fixed)

    def summary(self) -> list[str]:
        fixing = "needed fixing" if self.method == "rules" else "rejected at first, then accepted"
        lines = [
            f"intents build --method {self.method} --source {self.source}: {len(self.outcomes)} problems",
            f"  passed validate at once: {self.count('ok')}",
            f"  {fixing}: {self.count('fixed')}",
            f"  failed (not written): {self.count('failed')}",
        ]
        by_rule = self.fixed_by_rule()
        if by_rule:
            label = "fixes by rule" if self.method == "rules" else "complaints fed back to the writer, by rule"
            lines.append(f"  {label}: " + ", ".join(f"{rule} {n}" for rule, n in by_rule.most_common()))
        if self.method == "llm" and self.outcomes:
            calls = sum(o.attempts for o in self.outcomes)
            lines.append(f"  writer calls: {calls} ({calls / len(self.outcomes):.2f} per problem)")
        for outcome in self.outcomes:
            if outcome.intent is None:
                lines.extend(f"  {outcome.item.id}: {complaint}" for complaint in outcome.complaints)
        return lines


Progress = Callable[[int, int, Outcome], None]


def no_progress(done: int, total: int, outcome: Outcome) -> None:
    """The default progress callback: report nothing."""
