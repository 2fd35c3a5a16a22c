"""GraphQL for the salesperson side of the CRM (CRM-3/4/7, TASK-1): my visitors, customers, follow-ups, tasks.

Authenticated by session (or token, via the API view); every read goes through a scope,
so a salesperson reaches only their own rows and another's id answers NOT_FOUND.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext

from api.core.errors import api_error, not_found
from crm import selectors, services
from crm.models import Pool, Task
from crm.services import CrmError
from enterprises.selectors import scope_for_user

MAX_LIMIT = 200


def _scope(info):
    user = info.context.user
    if not getattr(user, "is_authenticated", False):
        raise api_error(gettext("Sign in to see your customers."), "FORBIDDEN")
    return scope_for_user(user)


def _limit(limit: int | None) -> int:
    if limit is None:
        return 50
    if not 1 <= limit <= MAX_LIMIT:
        raise api_error(gettext("limit must be between 1 and %(max)s.") % {"max": MAX_LIMIT}, "LIMIT")
    return limit


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise not_found() from None


class FollowUpType(graphene.ObjectType):
    id = graphene.ID(required=True)
    status = graphene.String(required=True)
    content = graphene.String(required=True)
    next_at = graphene.DateTime()
    created_at = graphene.DateTime(required=True)


class CustomerType(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    phone = graphene.String(required=True)
    company = graphene.String(required=True)
    pool = graphene.String(required=True, description="potential, to_assign, following or eliminated.")
    is_customer = graphene.Boolean(required=True)
    salesperson_id = graphene.ID()
    updated_at = graphene.DateTime(required=True)
    follow_ups = graphene.List(graphene.NonNull(FollowUpType), required=True)

    @staticmethod
    def resolve_follow_ups(lead, info):
        return list(lead.followups.all()[:50])


class VisitorType(graphene.ObjectType):
    id = graphene.ID(required=True)
    nickname = graphene.String(required=True)
    is_precise = graphene.Boolean(required=True)
    opens = graphene.Int(required=True)
    read_seconds = graphene.Int(required=True)
    last_event_at = graphene.DateTime()


class TaskType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    description = graphene.String(required=True)
    status = graphene.String(required=True)
    due_at = graphene.DateTime()
    customer_id = graphene.ID(resolver=lambda task, info: task.lead_id)


VISITOR_ORDERS = {
    "last_visit": "-last_event_at",
    "read_time": "-read_seconds",
    "opens": "-opens",
    "intent": "-intent_score",
}


class CrmQueries(graphene.ObjectType):
    my_customers = graphene.List(
        graphene.NonNull(CustomerType),
        required=True,
        pool=graphene.String(),
        limit=graphene.Int(),
        description="Leads and customers in the caller's scope (own ones for a salesperson).",
    )
    customer = graphene.Field(CustomerType, id=graphene.ID(required=True))
    my_visitors = graphene.List(
        graphene.NonNull(VisitorType),
        required=True,
        precise=graphene.Boolean(),
        order=graphene.String(),
        limit=graphene.Int(),
    )
    my_tasks = graphene.List(graphene.NonNull(TaskType), required=True, status=graphene.String())

    def resolve_my_customers(root, info, pool=None, limit=None):
        queryset = selectors.lead_queryset(scope=_scope(info)).prefetch_related("followups")
        if pool is not None:
            if pool not in Pool.values:
                raise api_error(gettext("Unknown pool."), "VALIDATION")
            queryset = queryset.filter(pool=pool)
        return list(queryset[: _limit(limit)])

    def resolve_customer(root, info, id):
        lead = selectors.lead_get(scope=_scope(info), lead_id=_pk(id))
        if lead is None:
            raise not_found(gettext("No such customer."))
        return lead

    def resolve_my_visitors(root, info, precise=None, order=None, limit=None):
        from trackers.selectors import visitor_list

        if order is not None and order not in VISITOR_ORDERS:
            orders = ", ".join(VISITOR_ORDERS)
            raise api_error(gettext("order is one of %(orders)s.") % {"orders": orders}, "VALIDATION")
        return visitor_list(
            scope=_scope(info),
            precise=precise,
            order=VISITOR_ORDERS[order or "last_visit"],
            limit=_limit(limit),
        )

    def resolve_my_tasks(root, info, status=None):
        queryset = selectors.task_queryset(scope=_scope(info))
        if status is not None:
            if status not in Task.Status.values:
                raise api_error(gettext("Unknown status."), "VALIDATION")
            queryset = queryset.filter(status=status)
        return list(queryset[:MAX_LIMIT])


class WriteFollowUp(graphene.Mutation):
    """Record a follow-up on one of the caller's customers; ``nextAt`` schedules a reminder."""

    class Arguments:
        customer_id = graphene.ID(required=True)
        content = graphene.String(required=True)
        status = graphene.String()
        next_at = graphene.DateTime()

    follow_up = graphene.Field(FollowUpType, required=True)

    @staticmethod
    def mutate(root, info, customer_id, content, status=None, next_at=None):
        scope = _scope(info)
        lead = selectors.lead_get(scope=scope, lead_id=_pk(customer_id))
        if lead is None:
            raise not_found(gettext("No such customer."))
        if len(content) > 5000:
            raise api_error(gettext("content is longer than 5000 characters."), "LIMIT")
        try:
            followup = services.followup_create(
                lead=lead,
                salesperson=lead.salesperson,
                content=content,
                status=status or "contacted",
                next_at=next_at,
            )
        except CrmError as exc:
            raise api_error(str(exc), exc.code) from None
        return WriteFollowUp(follow_up=followup)


class CompleteTask(graphene.Mutation):
    class Arguments:
        id = graphene.ID(required=True)

    task = graphene.Field(TaskType, required=True)

    @staticmethod
    def mutate(root, info, id):
        task = selectors.task_queryset(scope=_scope(info)).filter(pk=_pk(id)).first()
        if task is None:
            raise not_found(gettext("No such task."))
        task.status = Task.Status.DONE
        task.save(update_fields=["status"])
        return CompleteTask(task=task)


class CrmMutations(graphene.ObjectType):
    write_follow_up = WriteFollowUp.Field()
    complete_task = CompleteTask.Field()
