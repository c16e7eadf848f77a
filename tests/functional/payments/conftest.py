from tests.payments_support import (  # noqa: F401
    gateway,
    localstripe_url,
    mixed_order,
    run_on_commit,
    stripe_gateway,
)
