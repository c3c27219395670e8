"""The admin REST API (/api/v1/admin/): one module per resource, serializers, urls."""
