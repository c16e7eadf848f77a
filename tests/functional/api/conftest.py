import pytest

from tests.payments_support import gateway, mixed_order, run_on_commit  # noqa: F401


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()
