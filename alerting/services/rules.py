"""Rules and routing: tag, route, prioritise and flag mentions before they are stored.

A rule is conditions combined with all/any, and actions (see `Rule`); their
vocabulary and validation live in alerting.services.conditions.

`RuleSet` compiles the enabled rules once (regexes, one keyword automaton for
every keyword condition, tag ids, team names), then `apply` runs them over a
batch with no query at all. `apply_rules` is the pipeline step; it rebuilds the
RuleSet only when the rules, teams or tags change (`_state_key`).

Routing: a mention that matched a rule, or whose risk reaches
MONITORING_CATCH_ALL_RISK, but that no rule gave a team, goes to the catch-all
team, so nothing routed ever goes to nobody.

The brand's own posts (enrichment sets `owned_by_id` and the status "own") are not
work: only the rules that opt in (`Rule.include_owned`) run on them, the catch-all
never does, and one of those rules routing the post to a team makes it work again
(status "new", so the SLA step stamps it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team
from alerting.models import Rule
from alerting.services.conditions import (
    FIELDS,
    REGEX_TEXT_LIMIT,
    clean_conditions,
    validate_rule,
)
from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment.risk import KeywordMatcher
from monitoring.models import Mention, MentionStatus, Priority, Tag
from riskdesk.audit import audit_record, snapshot
from riskdesk.patterns import compile_user_pattern
from riskdesk.permissions import require

logger = logging.getLogger(__name__)
MAX_TEST_SAMPLE = 10_000
TEST_EXAMPLES = 10
RULE_FIELDS = [
    "name",
    "position",
    "enabled",
    "match",
    "conditions",
    "actions",
    "stop",
    "include_owned",
]
EDITABLE = {"name", "enabled", "match", "conditions", "actions", "stop", "include_owned"}

# -- The engine -----------------------------------------------------------------------------


class _Subject:
    """A mention being evaluated, with its keyword hits found at most once."""

    __slots__ = ("_codes", "_hits", "_matcher", "m")

    def __init__(self, mention, matcher: KeywordMatcher | None):
        self.m = mention
        self._matcher = matcher
        self._hits: dict | None = None
        self._codes: frozenset | None = None

    @property
    def codes(self) -> frozenset:
        """The codes of the mention's risk reasons, read once (rules do not change them)."""
        if self._codes is None:
            self._codes = frozenset(
                r.get("code") for r in self.m.risk_reasons or () if isinstance(r, dict)
            )
        return self._codes

    @property
    def hits(self) -> dict:
        if self._hits is None:
            self._hits = self._matcher.matches(self.m.text or "") if self._matcher else {}
        return self._hits


Test = Callable[[_Subject], bool]


def _test_for(condition: dict, keyword_code: str) -> Test:
    """The predicate of one (validated) condition."""
    name, value = condition["field"], condition["value"]
    if name in ("platform", "stream", "language", "author"):
        values = frozenset(value)
        if name == "platform":
            return lambda s: s.m.platform in values
        if name == "stream":
            return lambda s: s.m.stream_id in values
        if name == "language":
            return lambda s: (s.m.language or "").lower() in values
        return lambda s: (s.m.author_handle or "").lstrip("@").casefold() in values
    if name == "keywords":
        return lambda s: keyword_code in s.hits
    if name == "regex":
        try:
            search = compile_user_pattern(value).search
        except ValidationError:
            # Saved before patterns ran on RE2 (a backreference, a lookaround): the rule
            # page shows why when it is next edited; until then it matches nothing.
            logger.warning("rule pattern refused by RE2, never matches: %r", value)
            return lambda s: False
        return lambda s: search((s.m.text or "")[:REGEX_TEXT_LIMIT]) is not None
    if name == "sentiment_below":
        return lambda s: s.m.sentiment is not None and s.m.sentiment < value
    if name == "risk_above":
        return lambda s: (s.m.risk_score or 0) > value
    if name == "followers_above":
        return lambda s: s.m.author_followers is not None and s.m.author_followers > value
    if name == "reason":
        codes = frozenset(value)
        return lambda s: not codes.isdisjoint(s.codes)
    if name == "impersonation":
        return lambda s: (s.m.impersonates_id is not None) is value
    if name == "watchlist":
        return lambda s: ("watchlist" in s.codes) is value
    raise ValueError(f"unknown condition field {name!r}")


class _Conditions:
    """Compiles conditions of several rules, sharing one keyword automaton between them."""

    def __init__(self):
        self.keyword_lists: dict[str, list[str]] = {}

    def compile(self, conditions: list[dict], match: str) -> Test:
        tests = []
        for condition in conditions:
            code = ""
            if condition["field"] == "keywords":
                code = f"k{len(self.keyword_lists)}"
                self.keyword_lists[code] = list(condition["value"])
            tests.append(_test_for(condition, code))
        if len(tests) == 1:
            return tests[0]
        if match == Rule.Match.ANY:
            return lambda s: any(t(s) for t in tests)
        return lambda s: all(t(s) for t in tests)

    def matcher(self) -> KeywordMatcher | None:
        return KeywordMatcher(self.keyword_lists) if self.keyword_lists else None


@dataclass
class CompiledRule:
    id: int | None
    name: str
    test: Test
    stop: bool
    include_owned: bool = False
    tag_ids: tuple[int, ...] = ()
    team_id: int | None = None
    priority: int | None = None
    notify: bool = False
    incident: bool = False
    # The trace's words for each action, translated once.
    tagged: str = ""
    routed: str = ""
    prioritised: str = ""
    notified: str = ""
    escalated: str = ""


def _priority_words(level: int) -> str:
    return _("priority %s") % str(Priority(level).label).lower()


@dataclass
class RuleSet:
    """The enabled rules, compiled, in order; `apply` runs them over a batch without a query."""

    rules: list[CompiledRule] = field(default_factory=list)
    matcher: KeywordMatcher | None = None
    catch_all_team_id: int | None = None
    catch_all_routed: str = ""
    catch_all_risk: int = 60

    @classmethod
    def load(cls) -> RuleSet:
        """Compile the enabled rules as they are in the database now."""
        rules = list(Rule.objects.filter(enabled=True).order_by("position", "id"))
        teams = {t.pk: t.name for t in Team.objects.only("pk", "name")}
        tag_ids = _tag_ids({name for r in rules for name in (r.actions or {}).get("tags", [])})
        conditions = _Conditions()
        compiled = []
        for rule in rules:
            actions = rule.actions or {}
            names = [n for n in actions.get("tags", []) if n in tag_ids]
            team_id = actions.get("team") if actions.get("team") in teams else None
            priority = actions.get("priority")
            compiled.append(
                CompiledRule(
                    id=rule.pk,
                    name=rule.name,
                    test=conditions.compile(rule.conditions, rule.match),
                    stop=rule.stop,
                    include_owned=rule.include_owned,
                    tag_ids=tuple(tag_ids[n] for n in names),
                    team_id=team_id,
                    priority=priority if priority in Priority.values else None,
                    notify=bool(actions.get("notify")),
                    incident=bool(actions.get("incident")),
                    tagged=_("tagged %s") % ", ".join(names) if names else "",
                    routed=_("routed to %s") % teams[team_id] if team_id else "",
                    prioritised=_priority_words(priority) if priority in Priority.values else "",
                    notified=_("notify"),
                    escalated=_("open or link an incident"),
                )
            )
        catch_all = _catch_all_team(teams)
        return cls(
            rules=compiled,
            matcher=conditions.matcher(),
            catch_all_team_id=catch_all,
            catch_all_routed=_("routed to %s") % teams[catch_all] if catch_all else "",
            catch_all_risk=_catch_all_risk(),
        )

    def apply(self, batch: Iterable) -> None:
        """Tag, route, prioritise and flag each mention of `batch` in place, and trace why."""
        for mention in batch:
            subject = _Subject(mention, self.matcher)
            matched = False
            priority: int | None = None
            owned = mention.owned_by_id is not None
            for rule in self.rules:
                if owned and not rule.include_owned:
                    continue
                if not rule.test(subject):
                    continue
                matched = True
                did = []
                if rule.tag_ids:
                    mention.tag_ids.extend(t for t in rule.tag_ids if t not in mention.tag_ids)
                    did.append(rule.tagged)
                if rule.team_id and mention.team_id is None:
                    mention.team_id = rule.team_id
                    did.append(rule.routed)
                if rule.priority and (priority is None or rule.priority > priority):
                    priority = rule.priority
                    did.append(rule.prioritised)
                if rule.notify:
                    mention.notify = True
                    did.append(rule.notified)
                if rule.incident:
                    mention.incident_rule_ids.append(rule.id)
                    did.append(rule.escalated)
                mention.rule_trace.append({"rule": rule.id, "name": rule.name, "did": did})
                if rule.stop:
                    break
            if priority is not None:
                mention.priority = priority
            if owned:
                if mention.team_id is not None:  # a rule for the brand's posts made it work
                    mention.status = MentionStatus.NEW
                continue
            if (
                mention.team_id is None
                and self.catch_all_team_id is not None
                and (matched or (mention.risk_score or 0) >= self.catch_all_risk)
            ):
                mention.team_id = self.catch_all_team_id
                mention.rule_trace.append(
                    {"rule": None, "name": "catch-all", "did": [self.catch_all_routed]}
                )


def _tag_ids(names: set[str]) -> dict[str, int]:
    """{name: id} of these tags, creating any deleted since its rule was saved."""
    if not names:
        return {}
    found = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    if len(found) < len(names):
        Tag.objects.bulk_create([Tag(name=n) for n in names - set(found)], ignore_conflicts=True)
        found = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    return found


def _catch_all_risk() -> int:
    return getattr(settings, "MONITORING_CATCH_ALL_RISK", 60)


def _catch_all_team(teams: dict[int, str]) -> int | None:
    slug = getattr(settings, "MONITORING_CATCH_ALL_TEAM", "social")
    team_id = Team.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if team_id is None and teams:
        team_id = min(teams, key=lambda pk: (teams[pk], pk))
    return team_id


# -- The pipeline step ----------------------------------------------------------------------

_cached: tuple[tuple, RuleSet] | None = None


def _state_key() -> tuple:
    """What the compiled RuleSet depends on, in one cheap query.

    Every rule change bumps its updated_at (a deletion lowers the count); teams and
    tags are counted so a deleted one never leaves a dangling id in the cache.
    """
    rule, team, tag = Rule._meta.db_table, Team._meta.db_table, Tag._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {rule}), (SELECT MAX(updated_at) FROM {rule}), "  # noqa: S608 (our table names)
            f"(SELECT COUNT(*) FROM {team}), (SELECT MAX(created_at) FROM {team}), "
            f"(SELECT COUNT(*) FROM {tag}), (SELECT MAX(id) FROM {tag})"
        )
        state = tuple(cursor.fetchone())
    return (*state, _catch_all_risk(), getattr(settings, "MONITORING_CATCH_ALL_TEAM", "social"))


def current_ruleset() -> RuleSet:
    """The compiled rules, rebuilt only when something they depend on changed."""
    global _cached
    key = _state_key()
    if _cached is None or _cached[0] != key:
        _cached = (key, RuleSet.load())
    return _cached[1]


def reset_cache() -> None:
    global _cached
    _cached = None


def apply_rules(batch: list) -> None:
    """Pipeline step: run the rules and routing on a batch of NormalizedMentions."""
    if batch:
        current_ruleset().apply(batch)


def route_again(mention: Mention) -> NormalizedMention | None:
    """Route a stored mention that no team has, as the rules read it now (its risk changed
    after it was stored). Returns it as the rules saw it, routed, or None when no rule
    routes it; `mention` takes the team, the higher priority and the tags (not saved)."""
    if mention.team_id is not None:
        return None
    subject = NormalizedMention(
        **{f: getattr(mention, f) for f in _ROUTED_FROM},
        owned_by_id=mention.owned_by_id,
        impersonates_id=mention.impersonates_id,
        stream_id=mention.stream_id,
    )
    current_ruleset().apply([subject])
    if subject.team_id is None:
        return None
    mention.team_id = subject.team_id
    mention.priority = max(mention.priority, subject.priority)
    mention.rule_trace = [*(mention.rule_trace or []), *subject.rule_trace]
    if subject.tag_ids:
        mention.tags.add(*subject.tag_ids)
    return subject


_ROUTED_FROM = (
    "platform", "external_id", "text", "published_at", "author_id", "author_handle",
    "author_name", "author_followers", "author_verified", "url", "language", "parent_id",
    "thread_id", "engagement", "sentiment", "sentiment_label", "risk_score", "risk_reasons",
    "impersonation_score", "status", "priority",
)  # fmt: skip


# -- Services -------------------------------------------------------------------------------


def _check_name(name: str, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the rule a name.")})
    if len(name) > Rule._meta.get_field("name").max_length:
        raise ValidationError({"name": _("Keep the name to 100 characters.")})
    if Rule.objects.filter(name__iexact=name).exclude(pk=exclude).exists():
        raise ValidationError({"name": _("A rule with this name already exists.")})
    return name


def _check_match(match: str) -> str:
    if match not in Rule.Match.values:
        raise ValidationError({"match": _("Match all or any of the conditions.")})
    return match


def _ensure_tags(actions: dict) -> None:
    """Create the rule's tags now, so applying rules never has to."""
    if actions.get("tags"):
        Tag.objects.bulk_create([Tag(name=n) for n in actions["tags"]], ignore_conflicts=True)


@transaction.atomic
def rule_create(
    *,
    actor,
    name: str,
    conditions: list,
    actions: dict,
    match: str = "all",
    enabled: bool = True,
    stop: bool = False,
    include_owned: bool = False,
) -> Rule:
    """Add a rule at the end of the order."""
    require(actor, "rule.manage")
    name = _check_name(name)
    match = _check_match(match)
    conditions, actions = validate_rule(conditions, actions, match)
    last = Rule.objects.aggregate(last=Max("position"))["last"]
    rule = Rule.objects.create(
        name=name,
        position=0 if last is None else last + 1,
        enabled=enabled,
        match=match,
        conditions=conditions,
        actions=actions,
        stop=stop,
        include_owned=bool(include_owned),
        created_by=actor,
    )
    _ensure_tags(actions)
    audit_record(actor=actor, verb="rule.create", target=rule, after=snapshot(rule, RULE_FIELDS))
    return rule


@transaction.atomic
def rule_update(*, actor, rule: Rule, **changes) -> Rule:
    """Change any of name, enabled, match, conditions, actions, stop (order: `rule_move`)."""
    require(actor, "rule.manage", rule)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable rule fields: {sorted(unknown)}")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, RULE_FIELDS)
    if "name" in changes:
        rule.name = _check_name(changes["name"], exclude=rule.pk)
    if "match" in changes:
        rule.match = _check_match(changes["match"])
    for flag in ("enabled", "stop", "include_owned"):
        if flag in changes:
            setattr(rule, flag, bool(changes[flag]))
    rule.conditions, rule.actions = validate_rule(
        changes.get("conditions", rule.conditions), changes.get("actions", rule.actions), rule.match
    )
    after = snapshot(rule, RULE_FIELDS)
    if after == before:
        return rule
    rule.save()
    _ensure_tags(rule.actions)
    audit_record(actor=actor, verb="rule.update", target=rule, before=before, after=after)
    return rule


def _renumber(rules: Sequence[Rule]) -> None:
    now = timezone.now()  # bulk_update skips auto_now, and the cache watches updated_at
    changed = []
    for position, rule in enumerate(rules):
        if rule.position != position:
            rule.position, rule.updated_at = position, now
            changed.append(rule)
    Rule.objects.bulk_update(changed, ["position", "updated_at"])


@transaction.atomic
def rule_delete(*, actor, rule: Rule) -> None:
    require(actor, "rule.manage", rule)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    audit_record(actor=actor, verb="rule.delete", target=rule, before=snapshot(rule, RULE_FIELDS))
    rule.delete()
    _renumber(list(Rule.objects.select_for_update().order_by("position", "id")))


@transaction.atomic
def rule_move(*, actor, rule: Rule, position: int) -> Rule:
    """Put the rule at `position` (0 is first; beyond the end is last) and renumber all 0..n-1."""
    require(actor, "rule.manage", rule)
    if isinstance(position, bool) or not isinstance(position, int):
        raise ValidationError({"position": _("Give a whole number, 0 for first.")})
    rules = list(Rule.objects.select_for_update().order_by("position", "id"))
    current = next((r for r in rules if r.pk == rule.pk), None)
    if current is None:
        raise Rule.DoesNotExist
    before = {"position": rules.index(current)}
    rules.remove(current)
    rules.insert(max(0, min(position, len(rules))), current)
    _renumber(rules)
    after = {"position": current.position}
    if after != before:
        audit_record(actor=actor, verb="rule.move", target=current, before=before, after=after)
    return current


@dataclass
class RuleTest:
    matched: int
    sample: int
    examples: list[Mention]


def rule_test(
    *, actor, conditions, match: str = "all", sample: int = 1000, include_owned: bool = False
) -> RuleTest:
    """How many of the newest `sample` mentions `actor` may see these (unsaved) conditions match.

    Part of writing rules (rule.manage): a test is a search, so it runs only over what the
    tester may read, or it would tell what a hidden mention says. The brand's own posts are
    in the sample only with `include_owned`, as the rule would meet them.
    """
    require(actor, "rule.manage")
    match = _check_match(match)
    conditions, errors = clean_conditions(conditions, match)
    if errors:
        raise ValidationError({"conditions": errors})
    if (
        isinstance(sample, bool)
        or not isinstance(sample, int)
        or not 1 <= sample <= MAX_TEST_SAMPLE
    ):
        raise ValidationError({"sample": _("Give a sample of 1 to 10,000 mentions.")})
    compiler = _Conditions()
    test = compiler.compile(conditions, match)
    matcher = compiler.matcher()
    columns = {
        Mention._meta.get_field(a).name for c in conditions for a in FIELDS[c["field"]].attrs
    }
    visible = Mention.objects.visible_to(actor)
    if not include_owned:
        visible = visible.exclude(Q(owned_by__isnull=False) | Q(status=MentionStatus.OWN))
    recent = visible.order_by("-published_at", "-id").only("pk", *columns)[:sample]
    seen = matched = 0
    example_ids = []
    for mention in recent:
        seen += 1
        if test(_Subject(mention, matcher)):
            matched += 1
            if len(example_ids) < TEST_EXAMPLES:
                example_ids.append(mention.pk)
    examples = visible.filter(pk__in=example_ids).order_by("-published_at", "-id")
    return RuleTest(matched=matched, sample=seen, examples=list(examples) if example_ids else [])
