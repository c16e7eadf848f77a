# The demand forecast: the promotion calendar and each stock record's latest forecast (for the
# cap to inbound supply), and the order and holding costs of a supplier's stock record (economic
# order quantity). Depends only on the first migrations of Oscar's apps.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0001_initial'),
        ('oscar_backorders', '0014_customer_caps'),
        ('partner', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='DemandForecast',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('lead_time_demand', models.PositiveIntegerField(verbose_name='demand expected over the lead time')),
                ('reorder_point', models.PositiveIntegerField(verbose_name='reorder point')),
                ('method', models.CharField(max_length=16, verbose_name='method')),
                ('date_computed', models.DateTimeField(verbose_name='computed')),
            ],
            options={
                'verbose_name': 'demand forecast',
                'verbose_name_plural': 'demand forecasts',
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Promotion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=128, verbose_name='name')),
                ('kind', models.CharField(choices=[('promotion', 'Promotion'), ('flash_sale', 'Flash sale'), ('launch', 'Launch')], default='promotion', max_length=16, verbose_name='kind')),
                ('start_date', models.DateField(verbose_name='first day')),
                ('end_date', models.DateField(verbose_name='last day')),
                ('uplift_percent', models.PositiveIntegerField(help_text='How much more than usual is expected to sell: 150 means 2.5 times as much.', verbose_name='expected uplift (%)')),
                ('date_created', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'promotion',
                'verbose_name_plural': 'promotions',
                'ordering': ['-start_date', 'pk'],
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='supplierstockrecord',
            name='holding_cost',
            field=models.DecimalField(blank=True, decimal_places=4, help_text='What keeping one unit in stock for a year costs (storage, capital, shrinkage). With a cost per order, suggested orders use the economic order quantity.', max_digits=12, null=True, verbose_name='holding cost per unit per year'),
        ),
        migrations.AddField(
            model_name='supplierstockrecord',
            name='order_cost',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='What placing one purchase order costs, whatever its size.', max_digits=12, null=True, verbose_name='cost per order'),
        ),
        migrations.AddConstraint(
            model_name='supplierstockrecord',
            constraint=models.CheckConstraint(condition=models.Q(('order_cost__isnull', True), ('order_cost__gt', 0), _connector='OR'), name='supplier_stockrecord_order_cost_positive', violation_error_message='The cost per order must be more than 0.'),
        ),
        migrations.AddConstraint(
            model_name='supplierstockrecord',
            constraint=models.CheckConstraint(condition=models.Q(('holding_cost__isnull', True), ('holding_cost__gt', 0), _connector='OR'), name='supplier_stockrecord_holding_cost_positive', violation_error_message='The holding cost must be more than 0.'),
        ),
        migrations.AddField(
            model_name='demandforecast',
            name='stockrecord',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='partner.stockrecord', verbose_name='stock record'),
        ),
        migrations.AddField(
            model_name='promotion',
            name='category',
            field=models.ForeignKey(blank=True, help_text='Every product in this category or below it.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalogue.category', verbose_name='category'),
        ),
        migrations.AddField(
            model_name='promotion',
            name='product',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalogue.product', verbose_name='product'),
        ),
        migrations.AddIndex(
            model_name='promotion',
            index=models.Index(fields=['end_date', 'start_date'], name='oscar_backo_end_dat_8367b5_idx'),
        ),
        migrations.AddConstraint(
            model_name='promotion',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('category__isnull', True), ('product__isnull', False)), models.Q(('category__isnull', False), ('product__isnull', True)), _connector='OR'), name='promotion_product_or_category', violation_error_message='Choose a product or a category, not both.'),
        ),
        migrations.AddConstraint(
            model_name='promotion',
            constraint=models.CheckConstraint(condition=models.Q(('end_date__gte', models.F('start_date'))), name='promotion_ends_after_it_starts', violation_error_message='The last day cannot be before the first day.'),
        ),
    ]
