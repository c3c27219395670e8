"""The two REST APIs: `mall/` (/v1/marketing/) and `admin/` (/api/v1/admin/), and what they share."""
