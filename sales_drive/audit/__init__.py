"""``sales-drive audit``: a read-only audit of a sales department on a live ERPNext, over its REST
API, computed by the Sales Drive engine (never imports frappe). See ``cli.py``."""
