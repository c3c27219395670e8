"""The code tables of SPEC §2. Korean domain terms appear here once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrdMedia(models.TextChoices):  # OM007
    CC = "10", _("전화상담(CC)")
    PC = "20", _("PC")
    MOBILE_WEB = "30", _("모바일웹")
    ANDROID = "40", _("안드로이드앱")
    IOS = "50", _("iOS앱")
    SUBSCRIPTION = "60", _("정기주문")


class CsReason(models.TextChoices):  # MK021
    DEFECTIVE = "01", _("상품불량")
    LATE_DELIVERY = "02", _("배송지연")
    WRONG_DELIVERY = "03", _("상품 오배송")
    OUT_OF_STOCK = "04", _("상품품절")
    STOCKOUT_CANCEL = "05", _("결품취소")
    MISSING_ITEM = "06", _("상품누락")
    EVENT_COMPLAINT = "07", _("이벤트 불만")
    SITE_ERROR = "08", _("사이트 오류")
    REISSUE_REORDER = "09", _("재주문으로 인한 쿠폰 재발급")
    REISSUE_EXCHANGE = "10", _("교환으로 인한 쿠폰 재발급")
    ESCALATED_CLAIM = "11", _("강성고객 클레임")
    OTHER = "12", _("기타")


class Grade(models.TextChoices):  # ME008, ordered from lowest to highest
    GREEN = "10", "GREEN"
    FAMILY = "20", "FAMILY"
    GOLD = "30", "GOLD"
    VIP = "40", "VIP"
    VVIP = "50", "VVIP"


class PromoType(models.TextChoices):  # MK002
    GOODS = "11", _("상품할인쿠폰")
    CART = "12", _("장바구니쿠폰")
    STACKABLE = "13", _("중복할인쿠폰")
    FREE_SHIPPING = "14", _("무료배송쿠폰")
    FREE_RETURN = "15", _("무료반품쿠폰")


NO_DISCOUNT_TYPES = {PromoType.FREE_SHIPPING, PromoType.FREE_RETURN}


class Issuer(models.TextChoices):  # MK006
    FIXED = "10", _("고정판촉쿠폰")
    CS = "20", _("CS보상쿠폰")
    AUTO = "30", _("자동발급쿠폰")


class IssueMethod(models.TextChoices):  # MK007
    TARGETED = "01", _("대상자지정발급")
    AUTO = "02", _("조건부자동발급")
    DOWNLOAD = "03", _("고객다운로드발급")
    CODE = "04", _("할인쿠폰코드발급")


class DiscountKind(models.TextChoices):  # MK005
    AMOUNT = "01", _("정액")
    RATE = "02", _("정률")


class AutoIssueTiming(models.TextChoices):  # MK009
    ON_DAY = "10", _("당일 발급")
    BEFORE = "20", _("사전 발급(anvyPreIsuDds일 전)")


class ApplyKind(models.TextChoices):  # MK013
    APPLY = "01", _("적용")
    EXCLUDE = "02", _("제외")


class TargetType(models.TextChoices):  # MK014
    SITE = "01", _("사이트")
    GOODS = "02", _("상품")
    DISPLAY_CATEGORY = "03", _("전시카테고리")
    VENDOR = "05", _("협력사")
    BRAND = "06", _("브랜드")
    EXHIBITION = "08", _("기획전")


class ValidityBasis(models.TextChoices):  # MK015
    FIXED = "01", _("기간 지정")
    DAYS = "02", _("발급일로부터 N일")


class CpnType(models.TextChoices):
    USABLE = "10", _("사용가능쿠폰")
    DOWNLOADABLE = "20", _("다운로드가능쿠폰")


class SortGb(models.TextChoices):
    NEWEST = "10", _("최근등록순")
    EXPIRING = "20", _("마감임박순")


class Weekday(models.TextChoices):  # ISO weekday numbers
    MON = "1", _("월")
    TUE = "2", _("화")
    WED = "3", _("수")
    THU = "4", _("목")
    FRI = "5", _("금")
    SAT = "6", _("토")
    SUN = "7", _("일")


class PromoStatus(models.TextChoices):
    DRAFT = "DRAFT", _("작성중")
    APPROVED = "APPROVED", _("승인")
    SUSPENDED = "SUSPENDED", _("중지")
    ENDED = "ENDED", _("종료")


class CouponStatus(models.TextChoices):
    ISSUED = "ISSUED", _("발급")
    USED = "USED", _("사용")
    REVOKED = "REVOKED", _("회수")
    EXPIRED = "EXPIRED", _("만료")


class Channel(models.TextChoices):
    DOWNLOAD = "FO_DOWNLOAD", _("FO 다운로드")
    CODE = "CODE", _("쿠폰코드")
    BO = "BO", _("BO 발급")
    CS = "CS", _("CS 보상")
    BATCH = "BATCH", _("배치 자동발급")


# CommonCode groups seeded by migration: group -> (label, choices class or list of (code, name)).
AUTO_ISSUE_TYPES_SEED = [
    ("1001", "회원가입"),
    ("2101", "생일"),
    ("2201", "결혼기념일"),
    ("3001", "등급상향"),
    ("4001", "첫구매"),
]

CODE_GROUPS = {
    "OM007": ("주문매체", OrdMedia),
    "MK021": ("쿠폰발급사유", CsReason),
    "ME008": ("회원등급", Grade),
    "MK008": ("자동발급유형", AUTO_ISSUE_TYPES_SEED),
    "MK002": ("프로모션유형", PromoType),
    "MK006": ("쿠폰발급주체", Issuer),
    "MK007": ("쿠폰발급방식", IssueMethod),
    "MK005": ("정액정률구분", DiscountKind),
    "MK009": ("자동발급시점", AutoIssueTiming),
    "MK013": ("적용구분", ApplyKind),
    "MK014": ("적용대상유형", TargetType),
    "MK015": ("유효기간기준", ValidityBasis),
    "CPNTYPE": ("상품상세쿠폰조회조건", CpnType),
    "SORTGB": ("쿠폰정렬순서", SortGb),
}
