"""Admin for ESM seller discounts (판매자할인): filled by issue 16's work."""
