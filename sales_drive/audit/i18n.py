"""The audit report's strings in English and Russian (no frappe: the CLI runs without a site).

``text(lang, key, **values)`` formats the template of ``key`` in ``lang`` (falling back to
English). Russian terms follow METHOD.md and the app's ru.csv.
"""

from __future__ import annotations

LANGS = ("en", "ru")

STRINGS: dict[str, dict[str, str]] = {
	"title": {"en": "Sales department audit", "ru": "Аудит отдела продаж"},
	"subtitle": {
		"en": "Site {source}, company {company}, period {since} — {today} ({months} months). Read-only: nothing was changed on the site.",
		"ru": "Сайт {source}, компания {company}, период {since} — {today} ({months} мес.). Только чтение: на сайте ничего не изменено.",
	},
	"findings": {"en": "Findings, by money at stake", "ru": "Выводы по сумме под угрозой"},
	"no_findings": {"en": "Nothing stands out.", "ru": "Серьёзных проблем не найдено."},
	"at_stake": {"en": "At stake", "ru": "Под угрозой"},
	"fix_with": {"en": "Sales Drive feature", "ru": "Функция Sales Drive"},
	"f_overdue": {
		"en": "{count} open deals ({share}% of the open ones) are past their Expected Closing date.",
		"ru": "{count} открытых сделок ({share}% открытых) просрочили ожидаемую дату закрытия.",
	},
	"f_over_limit": {
		"en": "{count} open deals ({share}%) stay in their stage longer than the regulation's limit.",
		"ru": "{count} открытых сделок ({share}%) стоят на стадии дольше лимита регламента.",
	},
	"f_stale": {
		"en": "{count} open deals have not changed for {days} days or more.",
		"ru": "{count} открытых сделок не менялись {days} дней и больше.",
	},
	"f_lost": {
		"en": "{count} deals lost in the period (refusal rate {rate}%); top reason: {top}.",
		"ru": "{count} сделок проиграно за период (доля отказов {rate}%); главная причина: {top}.",
	},
	"f_weak_step": {
		"en": "The weakest step is {step}: pass rate {pass_rate}%, {lost} deals lost there (valued at the average won deal).",
		"ru": "Самый слабый этап — {step}: проходимость {pass_rate}%, на нём потеряно {lost} сделок (по средней выигранной сделке).",
	},
	"f_plan_gap": {
		"en": "{people} sales people will miss their target at the current pace (target {target}).",
		"ru": "{people} менеджеров не выполнят план при текущем темпе (план {target}).",
	},
	"f_burn": {
		"en": "The base burns at {rate}%: it runs out in {days} days ({runs_out_on}); value of the deals lost with it in a year.",
		"ru": "База выгорает на {rate}%: её хватит на {days} дн. (до {runs_out_on}); стоимость сделок, которых не будет в течение года.",
	},
	"f_idle": {
		"en": "{people} managers log less than half the median activity ({median}) while holding open deals.",
		"ru": "{people} менеджеров фиксируют меньше половины медианной активности ({median}), имея открытые сделки.",
	},
	"feat_stage_gates": {
		"en": "Stage regulation with time limits, overdue notices, Stage Duration and Overdue report",
		"ru": "Регламент стадий с лимитами времени, уведомления о просрочке, отчёт «Длительность стадий и просрочка»",
	},
	"feat_sales_day": {"en": "My Sales Day: whom to contact today", "ru": "Мой день продаж: с кем связаться сегодня"},
	"feat_cooling": {
		"en": "Refusals with reasons and Base Cooling rules",
		"ru": "Отказы с причинами и правила остывания базы",
	},
	"feat_regulation": {
		"en": "Stage gates with checkable exit criteria, Sales Funnel Conversion report",
		"ru": "Шлюзы стадий с проверяемыми условиями выхода, отчёт «Конверсия воронки продаж»",
	},
	"feat_sales_plan": {
		"en": "Sales Plan with daily decomposition and carry-over, Plan vs Fact",
		"ru": "План продаж с декомпозицией по дням и переносом, отчёт «План-факт»",
	},
	"feat_base_burn": {"en": "Base Burn report and cooling windows", "ru": "Отчёт «Выгорание базы» и окна остывания"},
	"feat_coaching": {
		"en": "Activity criteria at the gates, coaching sessions and call reviews",
		"ru": "Критерии активности на шлюзах, коучинг и разбор звонков",
	},
	"funnel_opp": {"en": "Opportunity funnel by sales stage", "ru": "Воронка сделок по стадиям"},
	"funnel_lead": {"en": "Lead funnel by status", "ru": "Воронка лидов по статусам"},
	"source_versions": {
		"en": "Durations from document versions: the site tracks changes on Opportunity. Transitions inside the period; days are working days on the company's holiday list.",
		"ru": "Длительности по версиям документов: на сайте включено отслеживание изменений Opportunity. Переходы внутри периода; дни — рабочие по графику праздников компании.",
	},
	"source_dates": {
		"en": "From dates: the site does not track changes on Opportunity, so each opportunity created in the period is assumed to have passed every stage before its current one; no days per stage — only the median working days from creation to the last change.",
		"ru": "По датам: на сайте не отслеживаются изменения Opportunity, поэтому считается, что каждая сделка периода прошла все стадии до текущей; дней по стадиям нет — только медиана рабочих дней от создания до последнего изменения.",
	},
	"lead_source": {
		"en": "From the current status of the leads created in the period.",
		"ru": "По текущему статусу лидов, созданных за период.",
	},
	"step": {"en": "Step", "ru": "Этап"},
	"entered": {"en": "Entered", "ru": "Вошли"},
	"forward": {"en": "Left forward", "ru": "Прошли дальше"},
	"lost": {"en": "Lost", "ru": "Потеряно"},
	"back": {"en": "Moved back", "ru": "Возвращены"},
	"conversion": {"en": "Conversion to next %", "ru": "Конверсия в следующий %"},
	"pass_rate": {"en": "Pass rate %", "ru": "Проходимость %"},
	"median_days": {"en": "Median working days", "ru": "Медиана рабочих дней"},
	"won": {"en": "Won", "ru": "Выиграно"},
	"overall": {
		"en": "Entered {entered}, won {won}, lost {lost}: overall conversion {conversion}%.",
		"ru": "Вошли {entered}, выиграно {won}, потеряно {lost}: общая конверсия {conversion}%.",
	},
	"cycle": {
		"en": "Median working days from creation to win: {win}; to loss: {lose}.",
		"ru": "Медиана рабочих дней от создания до выигрыша: {win}; до проигрыша: {lose}.",
	},
	"lost_reasons": {"en": "Lost reasons and refusal rate", "ru": "Причины проигрыша и доля отказов"},
	"refusal": {
		"en": "Closed in the period: {won} won, {lost} lost — refusal rate {rate}%. Lost amount {amount}.",
		"ru": "Закрыто за период: {won} выиграно, {lost} проиграно — доля отказов {rate}%. Сумма проигранного {amount}.",
	},
	"reason": {"en": "Reason", "ru": "Причина"},
	"count": {"en": "Count", "ru": "Количество"},
	"amount": {"en": "Amount", "ru": "Сумма"},
	"share": {"en": "Share %", "ru": "Доля %"},
	"burn": {"en": "Base burn and exhaustion forecast", "ru": "Выгорание базы и прогноз исчерпания"},
	"burn_text": {
		"en": "Worked {worked}, refusals {refusals}, closed for good {closed}: burn rate {rate}%. Base left {left} ({untouched} untouched, {warm} warm). At this pace it lasts {days} days, until {until}.",
		"ru": "Отработано {worked}, отказов {refusals}, закрыто навсегда {closed}: выгорание {rate}%. Осталось в базе {left} ({untouched} нетронутых, {warm} тёплых). При таком темпе её хватит на {days} дн., до {until}.",
	},
	"burn_none": {"en": "no burn in the period", "ru": "выгорания за период нет"},
	"plan": {"en": "Plan vs fact per sales person", "ru": "План-факт по менеджерам"},
	"plan_text": {
		"en": "Sales Person targets for fiscal year {fy} ({done} of {days} working days) against submitted Sales Invoices ({invoices}) by Sales Team share.",
		"ru": "Цели менеджеров (Sales Person targets) на финансовый год {fy} ({done} из {days} рабочих дней) против проведённых счетов ({invoices}) по долям команды продаж.",
	},
	"no_targets": {
		"en": "The site has no Sales Person targets: plan vs fact is not known. The decomposition below uses the average of the last three months as the plan.",
		"ru": "На сайте нет целей менеджеров: план-факт неизвестен. Декомпозиция ниже берёт за план среднее за три последних месяца.",
	},
	"sales_person": {"en": "Sales person", "ru": "Менеджер"},
	"target": {"en": "Target", "ru": "План"},
	"fact": {"en": "Fact", "ru": "Факт"},
	"done": {"en": "Done %", "ru": "Выполнено %"},
	"forecast": {"en": "Forecast", "ru": "Прогноз"},
	"gap": {"en": "Gap", "ru": "Недобор"},
	"decomposition": {
		"en": "What a Sales Plan would give this month ({start} — {end}, {days} working days, next-day carry-over)",
		"ru": "Что дал бы План продаж в этом месяце ({start} — {end}, {days} рабочих дней, перенос недобора на следующий день)",
	},
	"basis_targets": {"en": "Month plan: the annual target pro rata by working days.", "ru": "План месяца: годовая цель пропорционально рабочим дням."},
	"basis_average": {"en": "Month plan: the average monthly sales of the last three months.", "ru": "План месяца: средние продажи за три последних месяца."},
	"month_plan": {"en": "Month plan", "ru": "План месяца"},
	"base_daily": {"en": "Base daily", "ru": "Базовый день"},
	"target_today": {"en": "Target today", "ru": "Цель на сегодня"},
	"carried_in": {"en": "Carried in", "ru": "Перенесено"},
	"fact_to_date": {"en": "Fact to date", "ru": "Факт на дату"},
	"activity": {"en": "Activity per manager", "ru": "Активность менеджеров"},
	"user": {"en": "Manager", "ru": "Менеджер"},
	"calls": {"en": "Calls", "ru": "Звонки"},
	"emails": {"en": "E-mails", "ru": "Письма"},
	"meetings": {"en": "Meetings", "ru": "Встречи"},
	"events": {"en": "Events", "ru": "События"},
	"open": {"en": "Open deals", "ru": "Открытые сделки"},
	"open_amount": {"en": "Open amount", "ru": "Сумма открытых"},
	"won_amount": {"en": "Won amount", "ru": "Сумма выигранных"},
	"per_open_deal": {"en": "Activities per open deal", "ru": "Активностей на открытую сделку"},
	"open_deals": {"en": "Overdue and stale opportunities", "ru": "Просроченные и зависшие сделки"},
	"open_text": {
		"en": "{count} open deals worth {amount}: {overdue} past Expected Closing ({overdue_amount}), {stale} unchanged for {days}+ days ({stale_amount}).",
		"ru": "{count} открытых сделок на {amount}: {overdue} просрочили ожидаемую дату закрытия ({overdue_amount}), {stale} не менялись {days}+ дней ({stale_amount}).",
	},
	"limit_text": {
		"en": "Over the default regulation's step limit: {count} ({amount}).",
		"ru": "Сверх лимита этапа по регламенту по умолчанию: {count} ({amount}).",
	},
	"limit_unknown": {
		"en": "Days in the current stage are not known (no versions): the step limits cannot be checked.",
		"ru": "Дни на текущей стадии неизвестны (нет версий): лимиты этапов не проверить.",
	},
	"stage": {"en": "Stage", "ru": "Стадия"},
	"overdue": {"en": "Past closing date", "ru": "Просрочена дата закрытия"},
	"over_limit": {"en": "Over step limit", "ru": "Сверх лимита"},
	"limit": {"en": "Limit (days)", "ru": "Лимит (дней)"},
	"stale": {"en": "Stale", "ru": "Зависли"},
	"skipped": {"en": "Not read (no permission)", "ru": "Не прочитано (нет прав)"},
	"footer": {
		"en": "Made by sales-drive audit with the Sales Drive engine — the figures the app computes once installed.",
		"ru": "Сделано sales-drive audit на движке Sales Drive — теми же расчётами, что и приложение после установки.",
	},
	"not_given": {"en": "(not given)", "ru": "(не указана)"},
	"done_msg": {"en": "Report: {html}\nFigures: {json}", "ru": "Отчёт: {html}\nЦифры: {json}"},
}


def text(lang: str, key: str, **values) -> str:
	entry = STRINGS[key]
	template = entry.get(lang) or entry["en"]
	return template.format(**values) if values else template
