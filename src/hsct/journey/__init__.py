"""Journey planner: a dated personal timeline from washout to five years after day 0.

>>> import datetime as dt
>>> timeline = plan("moscow-pirogov", admission_date=dt.date(2027, 3, 1),
...                 today=dt.date(2026, 11, 23))
>>> timeline.day0, timeline.discharge
(datetime.date(2027, 3, 13), datetime.date(2027, 3, 30))

Without a date the admission is proposed, and the plan says what decided it:

>>> proposed = plan("moscow-pirogov", today=dt.date(2026, 11, 23))
>>> proposed.proposed, proposed.admission, proposed.proposal.decided_by.id
(True, datetime.date(2026, 12, 9), 'vaccines-before')
"""

from hsct.journey.ical import to_ics
from hsct.journey.plan import Constraint, Milestone, Proposal, Timeline, plan

__all__ = ["Constraint", "Milestone", "Proposal", "Timeline", "plan", "to_ics"]
