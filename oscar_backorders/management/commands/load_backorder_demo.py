from django.core.management.base import BaseCommand

from oscar_backorders.demo import DEMO_PRODUCTS, load_demo


class Command(BaseCommand):
    help = "Create (or reset) the sandbox's backorder demo catalogue. Safe to run again."

    def handle(self, *args, **options):
        load_demo()
        for demo in DEMO_PRODUCTS:
            self.stdout.write(f"  {demo.upc:<15} {demo.title:<20} {demo.description}")
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(DEMO_PRODUCTS)} demo products."))
