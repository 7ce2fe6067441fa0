"""Journey planner: a dated personal timeline from washout to five years after day 0.

>>> import datetime as dt
>>> timeline = plan("moscow-pirogov", admission_date=dt.date(2027, 3, 1),
...                 today=dt.date(2026, 11, 23))
>>> timeline.day0, timeline.discharge
(datetime.date(2027, 3, 13), datetime.date(2027, 3, 30))
"""

from hsct.journey.ical import to_ics
from hsct.journey.plan import Milestone, Timeline, plan

__all__ = ["Milestone", "Timeline", "plan", "to_ics"]
