"""The mall\x27s coupon API (/v1/marketing/): member authentication, views, serializers, urls."""
