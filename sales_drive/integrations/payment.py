"""A received payment completes the Opportunity pipeline's last step."""

from __future__ import annotations

import frappe

from sales_drive import facts, regulations
from sales_drive.engine import gates
from sales_drive.integrations.pipeline import _row, write_log

OPPORTUNITIES_OF_PAYMENT = """
	select distinct q.opportunity from `tabPayment Entry Reference` per
	left join `tabSales Invoice Item` sii
		on per.reference_doctype = 'Sales Invoice' and sii.parent = per.reference_name
	join `tabSales Order Item` soi
		on soi.parent = coalesce(sii.sales_order, if(per.reference_doctype = 'Sales Order', per.reference_name, null))
	join `tabQuotation` q on q.name = soi.prevdoc_docname
	where per.parent = %(payment)s and q.opportunity is not null and q.opportunity != ''
"""


def on_submit(doc, method=None):
	if not regulations.gates_enabled():
		return
	if not regulations.rules("Opportunity"):
		return
	names = frappe.db.sql_list(OPPORTUNITIES_OF_PAYMENT, {"payment": doc.name})
	if not names:
		return
	done = set(
		frappe.get_all(
			"Sales Stage Transition Log",
			{"reference_doctype": "Opportunity", "reference_name": ["in", names], "kind": "Won", "record_deleted": 0},
			pluck="reference_name",
		)
	)
	for name in names:
		if name in done:
			continue
		opp = frappe.get_doc("Opportunity", name)
		active = regulations.for_record(opp)  # each deal's own regulation
		if not active:
			continue
		reg = active.regulation
		last = reg.last_step()
		if opp.sales_stage != last:
			continue
		f = facts.gather(opp, gates.needs_to_leave(reg, last))
		if gates.exit_criteria_missing(reg, last, f):
			continue
		write_log(opp, [_row(opp, active, "Won", last, "", verdict="Passed", entered_on=opp.sd_step_entered_on)])
		# the deal has left its last step: no step is due any more, nothing to chase
		frappe.db.set_value(
			"Opportunity", name, {"sd_step_due": None, "sd_overdue": 0, "sd_overdue_notified": 1},
			update_modified=False,
		)
