from django.core.management.base import BaseCommand

from oscar_backorders.supply.demo import load_supply_demo


class Command(BaseCommand):
    help = "Create the sandbox's demo supplier and purchase order (after load_backorder_demo)."

    def handle(self, *args, **options):
        for message in load_supply_demo():
            self.stdout.write(f"  {message}")
        self.stdout.write(self.style.SUCCESS("Loaded the supply demo."))
