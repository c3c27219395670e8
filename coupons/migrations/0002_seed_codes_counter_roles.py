"""Seed every code group of SPEC §2, the promoNo counter and the two roles."""

from django.db import migrations

from coupons.codes import CODE_GROUPS

ROLES = ("Merchandiser", "CS agent")


def seed(apps, schema_editor):
    CommonCode = apps.get_model("coupons", "CommonCode")
    for group, (_label, source) in CODE_GROUPS.items():
        entries = source if isinstance(source, list) else [(c.value, str(c.label)) for c in source]
        for order, (code, name) in enumerate(entries, start=1):
            CommonCode.objects.get_or_create(
                group=group, code=code, defaults={"name": name, "sort_order": order, "in_use": True}
            )
    Counter = apps.get_model("coupons", "PromoNoCounter")
    Counter.objects.get_or_create(name="promo_no", defaults={"next_value": 1_000_000})
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [
        ("coupons", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
