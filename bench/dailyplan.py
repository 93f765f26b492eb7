"""CPU time of planning a Daily Plan date (the pure part: schedules × calendars → orders with their ids).

N schedules (default 1,000), each on a weekday calendar in Europe/Berlin with a single start and a repeating
period (every 15 minutes from 08:00 to 18:00) and two order parameterisations: 82 orders per schedule and day.
Plans one weekday 5 times and reports the best CPU time (`time.process_time`, not wall time: the machine is shared)
per schedule and per order.

    python bench/dailyplan.py [--schedules N]

The last line is `name=value` figures.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar
from stellwerk.calendar.schedules import Schedule, parse_schedule
from stellwerk.cockpit.services.dailyplan.planning import NamedSchedule, plan_date_orders


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=1_000)
    count = parser.parse_args().schedules
    weekdays = parse_calendar({"includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]}})
    assert isinstance(weekdays, Calendar)
    library = CalendarLibrary({"weekdays": weekdays})
    raw = {
        "workflowNames": ["wf"],
        "calendars": [
            {
                "calendarName": "weekdays",
                "timeZone": "Europe/Berlin",
                "periods": [{"singleStart": "07:00"}, {"begin": "08:00", "end": "18:00", "repeat": "00:15"}],
            }
        ],
        "orderParameterisations": [{"orderName": "a"}, {"orderName": "b", "variables": {"x": 1}}],
    }
    schedule = parse_schedule(raw)
    assert isinstance(schedule, Schedule)
    schedules = [NamedSchedule(f"/bench/s{n}", schedule) for n in range(count)]
    best, orders = float("inf"), 0
    for _ in range(5):
        started = time.process_time()
        planned = plan_date_orders(schedules, library, date(2026, 6, 2))
        best = min(best, time.process_time() - started)
        assert isinstance(planned, list)
        orders = len(planned)
    print(f"schedules={count} orders={orders} cpu_s={best:.3f}")
    print(f"cpu_ms_per_schedule={best * 1000 / count:.3f} cpu_us_per_order={best * 1e6 / orders:.1f}")


if __name__ == "__main__":
    main()
