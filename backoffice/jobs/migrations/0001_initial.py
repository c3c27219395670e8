"""The job row moves here from `marketplaces.SyncJob`: the same table, taken over in the migration
state only (no data moves); 0002 then gives it this app's names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("marketplaces", "0003_coupang_rate_cap_not_null"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('target_type', models.CharField(max_length=40, verbose_name='대상 종류')),
                ('target_id', models.CharField(max_length=64, verbose_name='대상 ID')),
                ('operation', models.CharField(max_length=40, verbose_name='작업')),
                ('payload', models.JSONField(blank=True, default=dict, verbose_name='요청 내용')),
                ('status', models.CharField(choices=[('PENDING', '대기'), ('RUNNING', '실행 중'), ('SUCCEEDED', '성공'), ('FAILED', '실패'), ('DEAD', '중단 (재시도 소진)')], default='PENDING', max_length=10, verbose_name='상태')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='시도 횟수')),
                ('max_attempts', models.PositiveIntegerField(default=5, verbose_name='최대 시도 횟수')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='다음 시도')),
                ('locked_at', models.DateTimeField(blank=True, null=True, verbose_name='실행 시작')),
                ('locked_by', models.CharField(blank=True, max_length=120, verbose_name='실행자')),
                ('last_error', models.TextField(blank=True, verbose_name='마지막 오류')),
                ('result', models.JSONField(blank=True, default=dict, verbose_name='결과')),
                ('progress_done', models.PositiveIntegerField(default=0, verbose_name='처리 건수')),
                ('progress_total', models.PositiveIntegerField(default=0, verbose_name='전체 건수')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='요청 시각')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='수정 시각')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='종료 시각')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='요청자')),
            ],
            options={
                'verbose_name': '작업',
                'verbose_name_plural': '작업',
                'db_table': 'marketplaces_syncjob',
                'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='syncjob_due_idx'), models.Index(fields=['target_type', 'target_id'], name='syncjob_target_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['PENDING', 'RUNNING'])), fields=('target_type', 'target_id'), name='syncjob_one_open_per_target'), models.CheckConstraint(condition=models.Q(('max_attempts__gte', 1)), name='syncjob_max_attempts_gte_1')],
                'ordering': ['-created_at', '-id'],
            },
        ),
            ],
            database_operations=[],
        ),
    ]
