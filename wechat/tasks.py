"""Celery tasks of the WeChat domain: take ids, call a service, safe to retry."""

from celery import shared_task

from . import services


@shared_task
def mass_message_task_submit_task(task_id: int) -> str:
    return services.mass_message_task_submit(task_id=task_id).status


@shared_task
def mass_message_task_sync_task(task_id: int) -> str:
    return services.mass_message_task_sync(task_id=task_id).status


@shared_task
def chat_reply_notify_task(conversation_id: int, message_id: int) -> bool:
    return services.chat_reply_notify(conversation_id=conversation_id, message_id=message_id)


@shared_task
def relationship_notice_task(event_id: int) -> str:
    return services.relationship_notice(event_id=event_id)
