# Supply: suppliers, purchase orders and their lines. Depends only on the first migrations.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('oscar_backorders', '0002_payments'),
        ('partner', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Supplier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=128, verbose_name='name')),
                ('code', models.SlugField(max_length=64, unique=True, verbose_name='code')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email')),
                ('lead_time_days', models.PositiveSmallIntegerField(blank=True, help_text='Used for reorder points until the supplier has a delivery history.', null=True, verbose_name='usual lead time (business days)')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('notes', models.TextField(blank=True, verbose_name='notes')),
                ('date_created', models.DateTimeField(auto_now_add=True, verbose_name='created')),
            ],
            options={
                'verbose_name': 'supplier',
                'verbose_name_plural': 'suppliers',
                'ordering': ['name'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='PurchaseOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=64, unique=True, verbose_name='reference')),
                ('status', models.CharField(choices=[('open', 'Open'), ('received', 'Received'), ('cancelled', 'Cancelled')], db_index=True, default='open', max_length=16, verbose_name='status')),
                ('notes', models.TextField(blank=True, verbose_name='notes')),
                ('date_created', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('date_updated', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='purchase_orders', to='oscar_backorders.supplier', verbose_name='supplier')),
            ],
            options={
                'verbose_name': 'purchase order',
                'verbose_name_plural': 'purchase orders',
                'ordering': ['-date_created', '-pk'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='PurchaseOrderLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quantity', models.PositiveIntegerField(verbose_name='quantity ordered')),
                ('quantity_received', models.PositiveIntegerField(default=0, verbose_name='quantity received')),
                ('expected_date', models.DateField(db_index=True, verbose_name='expected arrival')),
                ('status', models.CharField(choices=[('open', 'Expected'), ('partial', 'Partly received'), ('received', 'Received'), ('cancelled', 'Cancelled')], db_index=True, default='open', max_length=16, verbose_name='status')),
                ('date_last_received', models.DateField(blank=True, null=True, verbose_name='last received')),
                ('date_created', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('date_updated', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('purchase_order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='oscar_backorders.purchaseorder', verbose_name='purchase order')),
                ('stockrecord', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='purchase_order_lines', to='partner.stockrecord', verbose_name='stock record')),
            ],
            options={
                'verbose_name': 'purchase order line',
                'verbose_name_plural': 'purchase order lines',
                'ordering': ['expected_date', 'pk'],
                'abstract': False,
                'indexes': [models.Index(fields=['stockrecord', 'status'], name='oscar_backo_stockre_582340_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='purchase_order_line_quantity_positive', violation_error_message='The quantity ordered must be at least 1.'), models.CheckConstraint(condition=models.Q(('quantity_received__lte', models.F('quantity'))), name='purchase_order_line_received_within_ordered', violation_error_message='More cannot be received than was ordered.')],
            },
        ),
        migrations.CreateModel(
            name='SupplierStockRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('supplier_sku', models.CharField(blank=True, max_length=128, verbose_name="supplier's SKU")),
                ('lead_time_days', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='lead time (business days)')),
                ('is_preferred', models.BooleanField(default=False, verbose_name='preferred')),
                ('stockrecord', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='suppliers', to='partner.stockrecord', verbose_name='stock record')),
                ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='supplied_stockrecords', to='oscar_backorders.supplier', verbose_name='supplier')),
            ],
            options={
                'verbose_name': 'supplier of a stock record',
                'verbose_name_plural': 'suppliers of stock records',
                'abstract': False,
                'constraints': [models.UniqueConstraint(fields=('supplier', 'stockrecord'), name='supplier_stockrecord_unique')],
            },
        ),
    ]
