"""Pages behind the links in the emails. Thin: they call :mod:`.answers` and render.

A GET only shows what the link will do (mail scanners follow links); the change is a POST.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from oscar_backorders.notifications import answers


def _refused(request: HttpRequest, error: answers.DelayLinkError) -> HttpResponse:
    if isinstance(error, answers.ForeignOrder):
        raise Http404(error.message)
    return render(
        request,
        "oscar_backorders/notifications/link_refused.html",
        {"message": error.message},
        status=error.status,
    )


class DelayAnswerView(View):
    template_name = "oscar_backorders/notifications/delay_answer.html"

    def get(self, request: HttpRequest, order_number: str, action: str, token: str) -> HttpResponse:
        if action not in answers.ACTIONS:
            raise Http404(_("Unknown answer."))
        try:
            order, consents = answers.load_delay(
                order_number=order_number, token=token, user=request.user
            )
        except answers.DelayLinkError as error:
            return _refused(request, error)
        return render(
            request,
            self.template_name,
            {
                "order": order,
                "consents": consents,
                "action": action,
                "done": False,
                "today": timezone.localdate(),
            },
        )

    def post(
        self, request: HttpRequest, order_number: str, action: str, token: str
    ) -> HttpResponse:
        if action not in answers.ACTIONS:
            raise Http404(_("Unknown answer."))
        try:
            consents = answers.answer_delay(
                order_number=order_number, token=token, action=action, user=request.user
            )
        except answers.DelayLinkError as error:
            return _refused(request, error)
        return render(
            request,
            self.template_name,
            {
                "order": consents[0].backorder_line.order,
                "consents": consents,
                "action": action,
                "done": True,
                "today": timezone.localdate(),
            },
        )


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """The unsubscribe link of a follow-up email: a page that asks, and the POST that turns
    follow-ups off (the page's button, or a mail client's one-click ``List-Unsubscribe-Post``,
    which carries no CSRF token: the signed token in the URL is the authority, and all it can
    do is stop optional emails to the address it was made for)."""

    template_name = "oscar_backorders/notifications/unsubscribe.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return render(request, self.template_name, {"done": False})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            email = answers.unsubscribe(token=token)
        except answers.DelayLinkError as error:
            return _refused(request, error)
        return render(request, self.template_name, {"done": True, "email": email})
