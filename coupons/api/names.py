"""The one mapping from service (model) field names to the API's camelCase names (SPEC §4).

Serializers declare their fields under the service names and are exposed under these names
(`fields.ApiSerializer`); service field errors are translated with it (`common.call_service`);
the mall's hand-built rows use it too. Add a name here, never a second table elsewhere.
"""

from __future__ import annotations

API_NAMES: dict[str, str] = {
    # promotion (SPEC §4 admin resource "promotions")
    "promo_no": "promoNo",
    "promo_nm": "promoNm",
    "promo_typ_cd": "promoTypCd",
    "cpn_issu_main_cd": "cpnIssuMainCd",
    "cpn_issu_way_cd": "cpnIssuWayCd",
    "fix_amt_fxrt_gb_cd": "fixAmtFxrtGbCd",
    "dc_rate_amt": "dcRateAmt",
    "min_buy_amt": "minBuyAmt",
    "min_buy_qty": "minBuyQty",
    "max_dc_amt": "maxDcAmt",
    "our_chrg_rate": "ourChrgRate",
    "entr_chrg_rate": "entrChrgRate",
    "promo_str_dtm": "promoStrDtm",
    "promo_end_dtm": "promoEndDtm",
    "vali_basis_cd": "valiBasisCd",
    "vali_strt_dtm": "valiStrtDtm",
    "vali_end_dtm": "valiEndDtm",
    "vali_days": "valiDays",
    "weekdays": "weekdayList",
    "time_from": "useStrtTm",
    "time_to": "useEndTm",
    "issu_lmt_qty": "issuLmtQty",
    "issu_qty": "issuQty",
    "mbr_issu_lmt_qty": "mbrIssuLmtQty",
    "budget_amt": "budgetAmt",
    "budget_used": "useDcAmt",
    "budget_burn": "budgetBurnRate",
    "ord_media_cds": "ordMediaCdList",
    "grade_cds": "gradeCdList",
    "upr_grade_aply_yn": "uprGradeAplyYn",
    "site_nos": "siteNoList",
    "all_goods_yn": "allGoodsYn",
    "targets": "targets",
    "dc_cpn_cd": "dcCpnCd",
    "auto_issu_typ_cd": "autoIssuTypCd",
    "auto_issu_potm_cd": "autoIssuPotmCd",
    "anvy_pre_isu_dds": "anvyPreIsuDds",
    "auto_issu_qty": "autoIssuQty",
    "promo_stat_cd": "promoStatCd",
    "approved_by": "approvedBy",
    "approved_at": "aprvDtm",
    # apply / exclude targets
    "aply_gb_cd": "aplyGbCd",
    "aply_typ_cd": "aplyTypCd",
    "tgt_no": "tgtNo",
    "tgt_nm": "tgtNm",
    # member, goods, exhibition mirror
    "mbr_no": "mbrNo",
    "grade_cd": "gradeCd",
    "joined_at": "joinedAt",
    "site_no": "siteNo",
    "goods_no": "goodsNo",
    "goods_nm": "goodsNm",
    "sale_price": "salePrice",
    "entr_no": "entrNo",
    "disp_ctg_no": "dispCtgNo",
    "brand_no": "brandNo",
    "exhibition_no": "exhibitionNo",
    "exhibition_nm": "exhibitionNm",
    "goods_nos": "goodsNoList",
    # member coupons
    "cpn_isu_no": "cpnIsuNo",
    "member": "mbrNo",
    "promotion": "promoNo",
    "issued_at": "cpnIsuDtm",
    "valid_from": "valiStrtDtm",
    "valid_until": "valiEndDtm",
    "status": "cpnStatCd",
    "cs_cpn_pay_caus_cd": "csCpnPayCausCd",
    "system_user_no": "systemUserNo",
    "auto_issu_odr": "autoIssuOdr",
    "ord_no": "ordNo",
    "used_at": "useDtm",
    "use_ord_no": "useOrdNo",
    "issued_by": "issuedBy",
    "revoked_by": "revokedBy",
    "revoked_at": "revokedAt",
    "revoke_reason": "revokeReason",
    # compensation service arguments
    "mbr_nos": "mbrNoList",
    # errors not tied to one field
    "__all__": "non_field_errors",
}


def api_name(field: str) -> str:
    """The API name of a service field (unmapped names, e.g. `reason`, stay as they are)."""
    return API_NAMES.get(field, field)


def api_field_errors(fields: dict | None) -> dict:
    """Field errors keyed by service names, re-keyed by API names."""
    return {api_name(k): v for k, v in (fields or {}).items()}
