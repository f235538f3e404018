"""/api/v1/mentions/: the inbox for clients, with the same filters, services and visibility."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from inbox import selectors, services
from inbox.filters import InboxFilter
from inbox.models import MentionReply
from inbox.selectors import visible_teams
from monitoring.models import Mention, MentionStatus, Priority
from monitoring.reasons import reason_label
from riskdesk.rest import ActionPermission, IdListField


class MentionSerializer(serializers.ModelSerializer):
    impersonates = serializers.SerializerMethodField(
        help_text="The brand account the author imitates, as network:@handle."
    )
    owned_by = serializers.SerializerMethodField(
        help_text="The brand account that posted it (the brand's own post, status own), "
        "as network:@handle; null for what others posted."
    )
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    team = serializers.SerializerMethodField(help_text="The team whose queue holds it.")
    assignee = serializers.SerializerMethodField(help_text="The person working on it.")
    sla = serializers.SerializerMethodField(help_text="The clock running on an open mention.")

    class Meta:
        model = Mention
        fields = [
            "id",
            "platform",
            "external_id",
            "stream",
            "text",
            "url",
            "author_id",
            "author_handle",
            "author_name",
            "author_followers",
            "author_verified",
            "published_at",
            "language",
            "parent_id",
            "thread_id",
            "engagement",
            "received_at",
            "sentiment",
            "sentiment_label",
            "risk_score",
            "risk_reasons",
            "impersonates",
            "impersonation_score",
            "owned_by",
            "tags",
            "team",
            "assignee",
            "status",
            "priority",
            "rule_trace",
            "first_response_due_at",
            "resolve_due_at",
            "first_response_at",
            "resolved_at",
            "updated_at",
            "sla",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Each reason keeps its stored {code, detail, confidence} and gains its label,
        # in the request's language.
        data["risk_reasons"] = [
            {**r, "label": reason_label(r.get("code", ""))} if isinstance(r, dict) else r
            for r in data.get("risk_reasons") or []
        ]
        return data

    def get_impersonates(self, obj) -> str | None:
        account = obj.impersonates
        return f"{account.platform}:@{account.handle}" if account else None

    def get_owned_by(self, obj) -> str | None:
        account = obj.owned_by
        return f"{account.platform}:@{account.handle}" if account else None

    def get_team(self, obj) -> dict | None:
        return {"id": obj.team.pk, "name": obj.team.name} if obj.team else None

    def get_assignee(self, obj) -> dict | None:
        person = obj.assignee
        return {"id": person.pk, "name": str(person)} if person else None

    def get_sla(self, obj) -> dict | None:
        timer = selectors.timer(obj)
        if timer is None:
            return None
        return {
            "target": timer.label,
            "due_at": timer.due_at,
            "seconds_left": int(timer.left.total_seconds()),
            "state": timer.state,
        }


class MentionChangeSerializer(serializers.Serializer):
    """A PATCH: any of these, each applied through its service."""

    status = serializers.ChoiceField(choices=MentionStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    team = serializers.IntegerField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        max_length=50,
        help_text="The complete list of tags: missing ones are removed.",
    )
    note = serializers.CharField(required=False, max_length=5000)


class BulkSerializer(MentionChangeSerializer):
    ids = IdListField(min_length=1, max_length=services.MAX_SELECTION)
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50
    )
    remove_tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50
    )


def apply_changes(actor, mentions: list[Mention], data: dict) -> None:
    """Each requested change through its service, in one transaction (the caller's)."""
    if "team" in data:
        team = visible_teams(actor).filter(pk=data["team"]).first()
        if team is None:
            raise serializers.ValidationError({"team": ["Unknown team."]})
        services.mentions_assign(actor=actor, mentions=mentions, team=team)
    if "assignee" in data:
        if data["assignee"] is None:
            services.mentions_unassign(actor=actor, mentions=mentions)
        else:
            services.mentions_assign(actor=actor, mentions=mentions, assignee=data["assignee"])
    if "status" in data:
        services.mentions_set_status(actor=actor, mentions=mentions, status=data["status"])
    if "priority" in data:
        services.mentions_set_priority(actor=actor, mentions=mentions, priority=data["priority"])
    if "tags" in data:
        wanted = set(services.tag_names_clean(data["tags"]))
        for mention in mentions:
            have = {t.name for t in mention.tags.all()}
            if wanted != have:
                services.mentions_tag(
                    actor=actor, mentions=[mention], add=wanted - have, remove=have - wanted
                )
    if data.get("add_tags") or data.get("remove_tags"):
        services.mentions_tag(
            actor=actor,
            mentions=mentions,
            add=data.get("add_tags", ()),
            remove=data.get("remove_tags", ()),
        )
    if data.get("note"):
        for mention in mentions:
            services.mention_note_add(actor=actor, mention=mention, text=data["note"])


class ThreadPostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Mention
        fields = ["id", "external_id", "parent_id", "author_handle", "text", "url", "published_at"]
        read_only_fields = fields


class BrandReplySerializer(serializers.ModelSerializer):
    account = serializers.StringRelatedField()

    class Meta:
        model = MentionReply
        fields = [
            "id",
            "account",
            "body",
            "private",
            "state",
            "network_id",
            "network_url",
            "error",
            "drafted_at",
            "sent_at",
        ]
        read_only_fields = fields


class ThreadSerializer(serializers.Serializer):
    chain = ThreadPostSerializer(many=True, help_text="The root and the parents, oldest first.")
    sent = BrandReplySerializer(many=True, help_text="The brand's replies to this mention.")
    replies = ThreadPostSerializer(many=True, help_text="The rest of the thread, oldest first.")
    more = serializers.IntegerField(help_text="Posts of the thread not listed.")


class MentionViewSet(viewsets.GenericViewSet):
    """Stored mentions, newest first, with the inbox's filters.

    Mentions in the Legal and HR queues exist only for those teams' members and
    admins: anyone else gets a 404, as for a mention that does not exist.
    """

    serializer_class = MentionSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "mention.view",
        "retrieve": "mention.view",
        "partial_update": "mention.triage",
        "bulk": "mention.triage",
        "thread": "mention.view",
    }
    filterset_class = InboxFilter
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return (
            Mention.objects.visible_to(self.request.user)
            .select_related("impersonates", "owned_by", "team", "assignee")
            .prefetch_related("tags")
        )

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        mention = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(mention).data)

    @extend_schema(responses=ThreadSerializer)
    @action(detail=True, methods=["get"])
    def thread(self, request, pk=None):
        """The conversation, as the panel shows it: what the caller may see of the thread
        and the brand's replies to this mention, with their state on the network."""
        mention = get_object_or_404(self.get_queryset(), pk=pk)
        thread = selectors.thread_of(mention, Mention.objects.visible_to(request.user))
        sent = mention.replies.select_related("account").order_by("drafted_at", "pk")
        data = {"chain": thread.chain, "sent": sent, "replies": thread.replies, "more": thread.more}
        return Response(ThreadSerializer(data).data)

    @extend_schema(request=MentionChangeSerializer, responses=MentionSerializer)
    def partial_update(self, request, pk=None):

        mention = get_object_or_404(self.get_queryset(), pk=pk)
        change = MentionChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        with transaction.atomic():
            apply_changes(request.user, [mention], change.validated_data)
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(
        request=BulkSerializer,
        responses=inline_serializer("BulkResult", {"changed": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Apply the same changes to up to 500 mentions at once (all or nothing)."""

        change = BulkSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        ids = set(change.validated_data["ids"])
        mentions = list(self.get_queryset().filter(pk__in=ids))
        missing = ids - {m.pk for m in mentions}
        if missing:
            raise serializers.ValidationError({"ids": [f"Unknown mentions: {sorted(missing)}"]})
        with transaction.atomic():
            apply_changes(request.user, mentions, change.validated_data)
        return Response({"changed": len(mentions)})
