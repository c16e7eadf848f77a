"""The notice log in the Django admin."""

import pytest
from oscar.core.loading import get_model

from oscar_backorders.notifications.abstract_models import NoticeKind, NoticeStatus

pytestmark = pytest.mark.django_db
Notice = get_model("oscar_backorders", "Notice")


def test_failed_notice_put_back_in_the_queue_when_merchant_retries_it(admin_client):
    notice = Notice.objects.create(
        scope="shop",
        kind=NoticeKind.MERCHANT_DIGEST,
        version="d",
        status=NoticeStatus.FAILED,
        attempts=8,
    )
    sent = Notice.objects.create(
        scope="shop", kind=NoticeKind.MERCHANT_DIGEST, version="e", status=NoticeStatus.SENT
    )
    assert admin_client.get("/admin/oscar_backorders/notice/").status_code == 200
    response = admin_client.post(
        "/admin/oscar_backorders/notice/",
        {"action": "retry_now", "_selected_action": [notice.pk, sent.pk]},
        follow=True,
    )
    assert b"1 notice will be retried" in response.content
    notice.refresh_from_db()
    sent.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 0)
    assert sent.status == NoticeStatus.SENT  # a sent notice is never sent again


def test_notification_admin_pages_render(admin_client):
    for model in ("notice", "notificationpreference", "delayconsent", "noticeevent"):
        assert admin_client.get(f"/admin/oscar_backorders/{model}/").status_code == 200
