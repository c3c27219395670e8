"""Admin for Coupang instant-discount coupons (즉시할인쿠폰): filled by issue 16's work."""
