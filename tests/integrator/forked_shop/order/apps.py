import oscar.apps.order.apps as apps


class OrderConfig(apps.OrderConfig):
    name = "tests.integrator.forked_shop.order"
