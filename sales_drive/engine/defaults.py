"""The default regulations created on install (METHOD.md §1).

Opportunity: the eight standard B2B steps (ERPNext Sales Stages), grouped
into the six stages. Lead: new lead → MQL → SQL; an Opportunity may be made
from a Lead once it is SQL. Everything here is only a starting point: the
install writes it into editable documents.
"""

from __future__ import annotations

from .regulation import Criterion, Regulation, Step

OPPORTUNITY_STEPS = (
	"Qualification",
	"Needs Assessment",
	"Presentation",
	"Proposal Preparation",
	"Proposal Approval",
	"Contract",
	"Invoice",
	"Payment",
)
LEAD_STEPS = ("New Lead", "MQL", "SQL")


def opportunity_regulation(name: str = "Opportunity B2B") -> Regulation:
	s = Step
	steps = (
		s(
			"Qualification",
			probability=10,
			stage="Leads Development",
			responsible_role="Sales User",
			specialisation="Hunter",
			max_days=3,
			tasks="Confirm the client matches the target profile; find the decision maker.",
			actions="Call, qualify by budget, authority, need and timing.",
			key_success_factor="The decision maker is known and reachable.",
			crm_requirements="Party and contact person filled.",
		),
		s(
			"Needs Assessment",
			probability=20,
			stage="Leads Conversion",
			responsible_role="Sales User",
			specialisation="Closer",
			max_days=5,
			tasks="Find out the client's needs, volume and timing.",
			actions="Meeting or call with a needs questionnaire.",
			key_success_factor="The need is formed and the budget estimated.",
			crm_requirements="Expected amount and closing date filled; at least one logged activity.",
		),
		s(
			"Presentation",
			probability=30,
			stage="Leads Conversion",
			responsible_role="Sales User",
			specialisation="Closer",
			max_days=5,
			tasks="Present the solution to the decision maker.",
			actions="Book and hold a presentation meeting.",
			key_success_factor="The presentation was held with the decision maker.",
			crm_requirements="A meeting (Event) logged against the opportunity.",
		),
		s(
			"Proposal Preparation",
			probability=40,
			stage="Leads Conversion",
			responsible_role="Sales User",
			specialisation="Closer",
			max_days=3,
			tasks="Prepare the commercial proposal.",
			actions="Make and submit a Quotation.",
			key_success_factor="The proposal matches the formed need.",
			crm_requirements="A submitted Quotation for the opportunity.",
		),
		s(
			"Proposal Approval",
			probability=60,
			stage="Leads Conversion",
			responsible_role="Sales User",
			specialisation="Closer",
			max_days=10,
			tasks="Agree the proposal with the client.",
			actions="Follow up, handle objections, agree terms.",
			key_success_factor="The client confirmed the proposal.",
			crm_requirements="Checklist: the client approved the proposal.",
		),
		s(
			"Contract",
			probability=80,
			stage="Leads Conversion",
			responsible_role="Sales User",
			specialisation="Closer",
			max_days=10,
			tasks="Sign the contract.",
			actions="Send the contract, agree edits, get it signed.",
			key_success_factor="The contract is signed.",
			crm_requirements="A submitted Sales Order.",
		),
		s(
			"Invoice",
			probability=90,
			stage="Client Fulfillment",
			responsible_role="Accounts User",
			specialisation="Closer",
			max_days=3,
			tasks="Invoice the client.",
			actions="Make and submit a Sales Invoice.",
			key_success_factor="The invoice reached the client's accountant.",
			crm_requirements="A submitted Sales Invoice.",
		),
		s(
			"Payment",
			probability=95,
			stage="Client Fulfillment",
			responsible_role="Sales User",
			specialisation="Farmer",
			max_days=10,
			tasks="Get paid.",
			actions="Remind, confirm the payment date.",
			key_success_factor="The money is received.",
			crm_requirements="A submitted Payment Entry.",
		),
	)
	c = Criterion
	criteria = (
		c("Qualification", "Field", fieldname="party_name"),
		c("Qualification", "Field", fieldname="contact_person"),
		c("Qualification", "Checklist", item="Decision maker identified"),
		c("Needs Assessment", "Field", fieldname="opportunity_amount"),
		c("Needs Assessment", "Field", fieldname="expected_closing"),
		c("Needs Assessment", "Activity", min_count=1),
		c("Presentation", "Activity", min_count=1),
		c("Presentation", "Checklist", item="Presentation held with the decision maker"),
		c("Proposal Preparation", "Document", document_type="Quotation"),
		c("Proposal Approval", "Checklist", item="Client approved the proposal"),
		c("Contract", "Document", document_type="Sales Order"),
		c("Invoice", "Document", document_type="Sales Invoice"),
		c("Payment", "Document", document_type="Payment Entry"),
	)
	return Regulation(name=name, doctype="Opportunity", steps=steps, criteria=criteria, allow_backward=True)


def lead_regulation(name: str = "Lead Qualification") -> Regulation:
	steps = (
		Step(
			"New Lead",
			stage="Leads Generation",
			responsible_role="Sales User",
			specialisation="Hunter",
			max_days=2,
			tasks="Check the lead against the target client profile.",
			actions="Enrich the organisation's data.",
			key_success_factor="The lead matches the target client profile.",
			crm_requirements="Organisation name and a way to reach it filled.",
		),
		Step(
			"MQL",
			stage="Leads Development",
			responsible_role="Sales User",
			specialisation="Hunter",
			max_days=5,
			tasks="Qualify the lead: need, budget, decision maker, timing.",
			actions="Call, send materials, book a meeting.",
			key_success_factor="The need is confirmed by the client.",
			crm_requirements="Qualification status Qualified; at least one logged activity.",
		),
		Step(
			"SQL",
			stage="Leads Development",
			responsible_role="Sales User",
			specialisation="Closer",
			max_days=3,
			allows_conversion=True,
			tasks="Hand the qualified lead to a closer.",
			actions="Create the Opportunity.",
			key_success_factor="The closer accepted the lead.",
			crm_requirements="An Opportunity made from the lead.",
		),
	)
	criteria = (
		Criterion("New Lead", "Field", fieldname="company_name"),
		Criterion("New Lead", "Checklist", item="Matches the target client profile"),
		Criterion(
			"MQL",
			"Condition",
			expression='doc.qualification_status == "Qualified"',
			description="Qualification status is Qualified",
		),
		Criterion("MQL", "Activity", min_count=1),
	)
	return Regulation(name=name, doctype="Lead", steps=steps, criteria=criteria, allow_backward=True)
