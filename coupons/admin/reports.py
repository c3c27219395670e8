"""The cost report (SPEC §8) in the admin: the changelist of the daily rollup IS the report — a
filter form, total cards, charts (Chart.js, vendored under coupons/static), tables by day, by
promotion and by MK021 reason, and its CSV / Excel downloads; and the same figures for one
promotion on its change page. Every figure comes from `coupons.reports.coupon_report`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from backoffice.exports import csv_response, xlsx_response
from coupons import codes
from coupons.models import CouponDailyStat, Promotion
from coupons.reports import ReportFilters, ReportPeriodError, coupon_report, report_max_days

from .base import AdminPagesMixin

REPORT_PERMISSION = "coupons.view_coupon_report"
DEFAULT_DAYS = 31
# Dates outside this window are typing mistakes, not periods anyone reports on (and year 1 or
# 9999 would overflow the day boundaries' time-zone arithmetic).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
FILTER_KEYS = ("promo_no", "promo_typ_cd", "cpn_issu_main_cd", "channel", "reason_cd")
FIGURE_KEYS = ("issued", "used", "restored", "revoked", "expired", "usage_rate")
MONEY_KEYS = ("dc_amt", "our_dc_amt", "entr_dc_amt")


def can_view_report(user) -> bool:
    """Whether the user may read the cost report (the role permission, or a superuser)."""
    return bool(user.is_active and user.is_staff and user.has_perm(REPORT_PERMISSION))


# -- formatting: the page, the promotion's block and the charts' tooltips read the same ---------


def fmt_count(value: int) -> str:
    return f"{value:,}"


def fmt_won(value: int) -> str:
    return gettext("%(amount)s원") % {"amount": f"{value:,}"}


def fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def display_figures(figures: dict) -> dict:
    """The figures of one row as the page shows them (counts with separators, money in 원)."""
    shown = {key: fmt_count(figures[key]) for key in FIGURE_KEYS[:-1]}
    shown["usage_rate"] = fmt_rate(figures["usage_rate"])
    shown.update({key: fmt_won(figures[key]) for key in MONEY_KEYS})
    return shown


def total_cards(totals: dict) -> list[tuple[str, str, str]]:
    """(key, label, value) of the report's total cards, in reading order."""
    shown = display_figures(totals)
    labels = [
        ("issued", _("발급")),
        ("used", _("사용")),
        ("restored", _("복원")),
        ("revoked", pgettext_lazy("report", "회수")),
        ("expired", _("만료")),
        ("usage_rate", _("사용률")),
        ("dc_amt", _("할인금액")),
        ("our_dc_amt", _("당사 부담")),
        ("entr_dc_amt", _("협력사 부담")),
    ]
    return [(key, str(label), shown[key]) for key, label in labels]


# -- the filter form ------------------------------------------------------------------------------


def _choices(choices) -> list[tuple[str, str]]:
    # lazy: the label is translated when the form is drawn, in the reader's language
    return [
        ("", _("전체")),
        *((value, format_lazy("{} {}", value, label)) for value, label in choices),
    ]


class ReportFilterForm(forms.Form):
    """The report's filters from the query string: input shape only; the period's rules (order,
    longest length) are the report service's, shown on the field it names."""

    date_from = forms.DateField(
        label=_("시작일"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("종료일"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    promo_no = forms.CharField(
        label=_("프로모션번호"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "C1000000", "size": 10}),
    )
    promo_typ_cd = forms.ChoiceField(
        label=_("프로모션유형"), required=False, choices=_choices(codes.PromoType.choices)
    )
    cpn_issu_main_cd = forms.ChoiceField(
        label=_("발급주체"), required=False, choices=_choices(codes.Issuer.choices)
    )
    channel = forms.ChoiceField(
        label=_("발급경로"),
        required=False,
        choices=[("", _("전체")), *codes.Channel.choices],
    )
    reason_cd = forms.ChoiceField(
        label=_("보상 사유(MK021)"), required=False, choices=_choices(codes.CsReason.choices)
    )

    promotion: Promotion | None = None

    def __init__(self, query, *, today: dt.date):
        # Absent or empty dates take the default period: a bare link opens the last 31 days.
        data = {
            "date_from": (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
            "date_to": today.isoformat(),
        }
        for key in ("date_from", "date_to", *FILTER_KEYS):
            value = (query.get(key) or "").strip()
            if value:
                data[key] = value
        super().__init__(data)

    def _clean_day(self, name: str) -> dt.date:
        value = self.cleaned_data[name]
        if not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                gettext("%(first)s부터 %(last)s 사이의 날짜를 입력하세요.")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
            )
        return value

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean_promo_no(self):
        promo_no = self.cleaned_data["promo_no"].upper()
        if not promo_no:
            return ""
        self.promotion = (
            Promotion.objects.filter(promo_no=promo_no).only("pk", "promo_no", "promo_nm").first()
        )
        if self.promotion is None:
            raise forms.ValidationError(
                gettext("없는 프로모션번호입니다: %(no)s") % {"no": promo_no}
            )
        return promo_no

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            promotion_id=self.promotion.pk if self.promotion else None,
            promo_typ_cd=data["promo_typ_cd"],
            cpn_issu_main_cd=data["cpn_issu_main_cd"],
            channel=data["channel"],
            reason_cd=data["reason_cd"],
        )

    def query(self, **changes) -> str:
        """The query string of these filters, with `changes` applied (quick links, downloads)."""
        data = self.cleaned_data
        params = {
            "date_from": data["date_from"].isoformat(),
            "date_to": data["date_to"].isoformat(),
            **{key: data[key] for key in FILTER_KEYS if data.get(key)},
        }
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})


def run_report(form: ReportFilterForm) -> dict | None:
    """The report of a valid form, or None with the period's refusal added to the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return coupon_report(
            date_from=data["date_from"], date_to=data["date_to"], filters=form.filters()
        )
    except ReportPeriodError as exc:
        named = {k: v for k, v in exc.fields.items() if k in ("date_from", "date_to")}
        for name, messages in named.items():
            form.add_error(name, messages)
        if not named:
            form.add_error("date_to", exc.message)
        return None


def quick_periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """(label, from, to) of the period shortcuts: today, 7 and 31 days ending today, last month."""
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return [
        (gettext("오늘"), today, today),
        (gettext("7일"), today - dt.timedelta(days=6), today),
        (gettext("31일"), today - dt.timedelta(days=DEFAULT_DAYS - 1), today),
        (gettext("지난달"), last_month_end.replace(day=1), last_month_end),
    ]


# -- rows of the tables and the downloads ----------------------------------------------------------


def _reason_label(row: dict) -> str:
    return f"{row['reason_cd']} {row['reason_nm']}" if row["reason_cd"] else row["reason_nm"]


def chart_data(report: dict) -> dict:
    """What the charts draw, for json_script: labels, series and their translated names."""
    days = [row["day"] for row in report["by_day"]]
    same_year = len({d.year for d in days}) <= 1
    return {
        "days": [d.strftime("%m-%d") if same_year else d.isoformat() for d in days],
        "issued": [row["issued"] for row in report["by_day"]],
        "used": [row["used"] for row in report["by_day"]],
        "dayMall": [row["our_dc_amt"] for row in report["by_day"]],
        "dayVendor": [row["entr_dc_amt"] for row in report["by_day"]],
        "reasons": [_reason_label(row) for row in report["by_reason"]],
        "reasonMall": [row["our_dc_amt"] for row in report["by_reason"]],
        "reasonVendor": [row["entr_dc_amt"] for row in report["by_reason"]],
        "text": {
            "issued": gettext("발급"),
            "used": gettext("사용"),
            "mall": gettext("당사 부담"),
            "vendor": gettext("협력사 부담"),
            # the money format of the page, "%(amount)s" replaced by the figure in the browser
            "won": gettext("%(amount)s원"),
        },
    }


EXPORT_HEADERS = (
    pgettext_lazy("report", "구분"),
    _("일자"),
    _("프로모션번호"),
    _("프로모션명"),
    _("프로모션유형"),
    _("사유코드"),
    _("사유명"),
    _("발급"),
    _("사용"),
    _("복원"),
    pgettext_lazy("report", "회수"),
    _("만료"),
    _("사용률(%)"),
    _("할인금액(원)"),
    _("당사 부담(원)"),
    _("협력사 부담(원)"),
)


def _figure_cells(figures: dict) -> list:
    rate = figures["usage_rate"]
    return [
        figures["issued"],
        figures["used"],
        figures["restored"],
        figures["revoked"],
        figures["expired"],
        None if rate is None else round(rate * 100, 2),
        figures["dc_amt"],
        figures["our_dc_amt"],
        figures["entr_dc_amt"],
    ]


def export_rows(report: dict):
    """The report as one table (a 구분 column names the section: 합계, 일별, 프로모션별, 사유별),
    so a spreadsheet filters and pivots it; yielded row by row."""
    types = dict(codes.PromoType.choices)
    period = f"{report['date_from'].isoformat()} ~ {report['date_to'].isoformat()}"
    yield [gettext("합계"), period, "", "", "", "", "", *_figure_cells(report["totals"])]
    for row in report["by_day"]:
        yield [gettext("일별"), row["day"], "", "", "", "", "", *_figure_cells(row)]
    for row in report["by_promotion"]:
        yield [
            gettext("프로모션별"),
            "",
            row["promo_no"],
            row["promo_nm"],
            str(types.get(row["promo_typ_cd"], row["promo_typ_cd"])),
            "",
            "",
            *_figure_cells(row),
        ]
    for row in report["by_reason"]:
        yield [
            gettext("사유별"),
            "",
            "",
            "",
            "",
            row["reason_cd"],
            row["reason_nm"],
            *_figure_cells(row),
        ]


def export_filename(report: dict, form: ReportFilterForm, ext: str) -> str:
    parts = [
        gettext("쿠폰비용리포트"),
        report["date_from"].isoformat(),
        report["date_to"].isoformat(),
    ]
    if form.promotion is not None:
        parts.append(form.promotion.promo_no)
    return "_".join(parts) + f".{ext}"


# -- the admin -----------------------------------------------------------------------------------


@admin.register(CouponDailyStat)
class CouponReportAdmin(AdminPagesMixin, admin.ModelAdmin):
    """The rollup is never edited by hand: its changelist is the report, read by whoever holds
    `view_coupon_report` (merchandisers and CS agents)."""

    report_template = "admin/coupons/coupondailystat/report.html"
    promotions_shown = 50  # rows of the by-promotion table; the downloads hold every promotion

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return can_view_report(request.user)

    def has_module_permission(self, request):
        return can_view_report(request.user)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.changelist_view), name="coupons_coupondailystat_changelist"),
            path(
                "download/<str:fmt>/",
                wrap(self.download_view),
                name="coupons_coupondailystat_download",
            ),
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = ReportFilterForm(request.GET, today=today)
        report = run_report(form)
        context = self._context(
            request, str(self.model._meta.verbose_name_plural), form=form, report=report
        )
        if report is not None:
            changelist = reverse("admin:coupons_coupondailystat_changelist")
            context.update(
                cards=total_cards(report["totals"]),
                chart_data=chart_data(report),
                days=[{"day": r["day"], **display_figures(r)} for r in report["by_day"]],
                totals=display_figures(report["totals"]),
                promotions=self._promotion_rows(report, form),
                promotions_total=len(report["by_promotion"]),
                promotions_total_display=fmt_count(len(report["by_promotion"])),
                promotions_shown=self.promotions_shown,
                reasons=self._reason_rows(report, form),
                quick_links=[
                    {
                        "label": label,
                        "url": f"{changelist}?"
                        + form.query(date_from=start.isoformat(), date_to=end.isoformat()),
                        "active": (start, end)
                        == (form.cleaned_data["date_from"], form.cleaned_data["date_to"]),
                    }
                    for label, start, end in quick_periods(today)
                ],
                csv_url=self._download_url("csv", form),
                xlsx_url=self._download_url("xlsx", form),
                max_days=report_max_days(),
            )
        return TemplateResponse(request, self.report_template, context)

    def _download_url(self, fmt: str, form: ReportFilterForm) -> str:
        return reverse("admin:coupons_coupondailystat_download", args=[fmt]) + "?" + form.query()

    def _promotion_rows(self, report: dict, form: ReportFilterForm) -> list[dict]:
        # The page shows the promotions that cost most; a month of a large mall lists thousands
        # (10,000 took 1.5 s to render at the benchmark's size). The downloads carry them all.
        types = dict(codes.PromoType.choices)
        changelist = reverse("admin:coupons_coupondailystat_changelist")
        change_url = reverse("admin:coupons_promotion_change", args=[0]).replace("/0/", "/{}/")
        return [
            {
                **display_figures(row),
                "promo_no": row["promo_no"],
                "promo_nm": row["promo_nm"],
                "type": types.get(row["promo_typ_cd"], row["promo_typ_cd"]),
                "change_url": change_url.format(row["promotion_id"]),
                "filter_url": f"{changelist}?" + form.query(promo_no=row["promo_no"]),
            }
            for row in report["by_promotion"][: self.promotions_shown]
        ]

    def _reason_rows(self, report: dict, form: ReportFilterForm) -> list[dict]:
        changelist = reverse("admin:coupons_coupondailystat_changelist")
        return [
            {
                **display_figures(row),
                "reason_cd": row["reason_cd"],
                "reason_nm": row["reason_nm"],
                "filter_url": (
                    f"{changelist}?" + form.query(reason_cd=row["reason_cd"])
                    if row["reason_cd"]
                    else ""
                ),
            }
            for row in report["by_reason"]
        ]

    def download_view(self, request, fmt):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in ("csv", "xlsx"):
            raise PermissionDenied
        form = ReportFilterForm(request.GET, today=timezone.localdate())
        report = run_report(form)
        if report is None:
            # The page shows what is wrong with the filters on their fields.
            return HttpResponseRedirect(
                reverse("admin:coupons_coupondailystat_changelist")
                + "?"
                + urlencode({k: request.GET.get(k, "") for k in request.GET})
            )
        headers = [str(h) for h in EXPORT_HEADERS]
        filename = export_filename(report, form, fmt)
        if fmt == "csv":
            return csv_response(filename=filename, headers=headers, rows=export_rows(report))
        return xlsx_response(
            filename=filename,
            headers=headers,
            rows=export_rows(report),
            sheet=gettext("쿠폰 비용 리포트"),
        )


# -- one promotion's figures, for its change page ---------------------------------------------------


@dataclass(frozen=True)
class PromotionFigures:
    date_from: dt.date
    date_to: dt.date
    shortened: bool  # the promotion's life is longer than the longest report period
    cards: list | None  # None before the promotion's period starts
    report_url: str
    budget: dict  # used, amount (None = no budget), burn % and the bar's width


def budget_burn(promotion: Promotion) -> dict:
    """The promotion's budget burn as the change page shows it."""
    burn = promotion.budget_burn
    return {
        "used": fmt_won(promotion.budget_used),
        "amount": None if promotion.budget_amt is None else fmt_won(promotion.budget_amt),
        "burn": burn,
        "width": None if burn is None else min(burn, 100),
        "near": burn is not None and burn >= 90,
    }


def promotion_figures(promotion: Promotion) -> PromotionFigures:
    """The report's figures for one promotion from its start to today (the latest
    `report_max_days()` days of a longer life; none before it starts) and its budget burn."""
    today = timezone.localdate()
    start = timezone.localdate(promotion.promo_str_dtm)
    date_from = max(start, today - dt.timedelta(days=report_max_days() - 1))
    cards = None
    if date_from <= today:
        report = coupon_report(
            date_from=date_from, date_to=today, filters=ReportFilters(promotion_id=promotion.pk)
        )
        cards = total_cards(report["totals"])
    query = urlencode(
        {
            "promo_no": promotion.promo_no,
            "date_from": min(date_from, today).isoformat(),
            "date_to": today.isoformat(),
        }
    )
    return PromotionFigures(
        date_from=date_from,
        date_to=today,
        shortened=date_from > start,
        cards=cards,
        report_url=reverse("admin:coupons_coupondailystat_changelist") + "?" + query,
        budget=budget_burn(promotion),
    )
