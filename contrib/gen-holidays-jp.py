#!/usr/bin/python3
"""Generate data/holidays-jp.tsv: Japanese national holidays, 2019-2030.

Computed from the rules of the Act on National Holidays
(国民の祝日に関する法律) rather than copied from a list, so the table can be
regenerated and extended by changing FIRST_YEAR/LAST_YEAR.  Python 3 stdlib
only.

Usage: /usr/bin/python3 contrib/gen-holidays-jp.py [OUTPUT]   (default: stdout)

Caveats worth knowing before extending the range:
  * Equinox days are *predicted* with the usual astronomical approximation
    (valid 1980-2099).  The official dates are announced by the National
    Astronomical Observatory each February for the following year; they have
    matched this formula for every year so far, but check the announcement.
  * One-off days (2019 accession, 2020/2021 Olympic moves) are hard-coded;
    any future special law must be added by hand.
"""

import datetime
import sys

FIRST_YEAR = 2019
LAST_YEAR = 2030

MON = 0
SUN = 6

SUBSTITUTE = "振替休日"
CITIZENS = "国民の休日"


def nth_monday(year, month, n):
    first = datetime.date(year, month, 1)
    offset = (MON - first.weekday()) % 7
    return first + datetime.timedelta(days=offset + 7 * (n - 1))


def vernal_equinox_day(year):
    # Standard approximation, valid 1980-2099.
    return int(20.8431 + 0.242194 * (year - 1980) - int((year - 1980) / 4))


def autumnal_equinox_day(year):
    return int(23.2488 + 0.242194 * (year - 1980) - int((year - 1980) / 4))


def national_holidays(year):
    """The 国民の祝日 proper (article 2 plus special laws) for one year."""
    d = datetime.date
    h = {}

    def add(day, name):
        assert day not in h, (day, name, h.get(day))
        h[day] = name

    add(d(year, 1, 1), "元日")
    add(nth_monday(year, 1, 2), "成人の日")
    add(d(year, 2, 11), "建国記念の日")
    # The Emperor's Birthday moved from Dec 23 (Akihito) to Feb 23 (Naruhito);
    # 2019 has neither, since the accession was on May 1.
    if year >= 2020:
        add(d(year, 2, 23), "天皇誕生日")
    add(d(year, 3, vernal_equinox_day(year)), "春分の日")
    add(d(year, 4, 29), "昭和の日")
    add(d(year, 5, 3), "憲法記念日")
    add(d(year, 5, 4), "みどりの日")
    add(d(year, 5, 5), "こどもの日")

    # Tokyo Olympics special measures moved three holidays in 2020 and 2021.
    if year == 2020:
        marine, sports, mountain = d(2020, 7, 23), d(2020, 7, 24), d(2020, 8, 10)
    elif year == 2021:
        marine, sports, mountain = d(2021, 7, 22), d(2021, 7, 23), d(2021, 8, 8)
    else:
        marine = nth_monday(year, 7, 3)
        sports = nth_monday(year, 10, 2)
        mountain = d(year, 8, 11)
    add(marine, "海の日")
    add(mountain, "山の日")
    add(nth_monday(year, 9, 3), "敬老の日")
    add(d(year, 9, autumnal_equinox_day(year)), "秋分の日")
    # Renamed from 体育の日 when the 2020 amendment took effect.
    add(sports, "体育の日" if year <= 2019 else "スポーツの日")
    add(d(year, 11, 3), "文化の日")
    add(d(year, 11, 23), "勤労感謝の日")

    if year == 2019:
        add(d(2019, 5, 1), "即位の日")
        add(d(2019, 10, 22), "即位礼正殿の儀の行われる日")
        # 04-30 and 05-02 were declared holidays by the 2018 special law; the
        # citizen's-holiday rule below would produce them anyway, but the
        # statute names them explicitly so we do too.
        add(d(2019, 4, 30), CITIZENS)
        add(d(2019, 5, 2), CITIZENS)
    return h


def all_holidays(first_year, last_year):
    # Compute one year of margin on each side so that substitute days and
    # sandwiched days crossing a year boundary are found, then trim.
    proper = {}
    for y in range(first_year - 1, last_year + 2):
        proper.update(national_holidays(y))

    out = dict(proper)
    one_day = datetime.timedelta(days=1)

    # Article 3(3): a day whose previous and next days are both national
    # holidays is a rest day.  Sundays are already rest days and Japanese
    # calendars do not list them, so skip those.
    for day in sorted(proper):
        mid = day + one_day
        if (mid not in proper and mid + one_day in proper
                and mid.weekday() != SUN):
            out[mid] = CITIZENS

    # Article 3(2): when a national holiday falls on Sunday, the nearest
    # following day that is not a national holiday is a rest day.
    for day in sorted(proper):
        if day.weekday() == SUN:
            sub = day + one_day
            while sub in proper:
                sub += one_day
            assert sub not in out or out[sub] == CITIZENS, sub
            out[sub] = SUBSTITUTE

    return {k: v for k, v in out.items()
            if first_year <= k.year <= last_year}


def self_check(h):
    d = datetime.date
    must = [
        d(2024, 2, 12),   # substitute for 建国記念の日 on Sunday
        d(2025, 3, 20),   # vernal equinox
        d(2025, 9, 23),   # autumnal equinox
        d(2026, 9, 22),   # citizen's holiday between 09-21 and 09-23
        d(2019, 5, 6),    # substitute for こどもの日 on Sunday
        d(2021, 8, 9),    # substitute for the moved 山の日
        d(2019, 4, 30), d(2019, 5, 2), d(2019, 10, 22),
    ]
    for day in must:
        assert day in h, "expected holiday missing: %s" % day
    must_not = [d(2026, 9, 24), d(2019, 12, 23), d(2020, 8, 11),
                d(2021, 10, 11)]
    for day in must_not:
        assert day not in h, "unexpected holiday: %s" % day
    assert h[d(2026, 9, 22)] == CITIZENS
    # Every year must have the statutory 16 fixed/moving days at least.
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        n = sum(1 for k in h if k.year == y)
        assert n >= (15 if y == 2019 else 16), (y, n)


def main(argv):
    h = all_holidays(FIRST_YEAR, LAST_YEAR)
    self_check(h)
    lines = [
        "# Japanese national holidays %d-%d (国民の祝日 + 振替休日 + 国民の休日)."
        % (FIRST_YEAR, LAST_YEAR),
        "# Generated by contrib/gen-holidays-jp.py from the rules of the",
        "# 国民の祝日に関する法律; do not edit by hand, rerun the script.",
        "# Equinoxes use the astronomical approximation valid 1980-2099; the",
        "# company year-end closure is NOT included (kenchi adds it itself).",
        "# Format: YYYY-MM-DD<TAB>name",
    ]
    for day in sorted(h):
        lines.append("%s\t%s" % (day.isoformat(), h[day]))
    text = "\n".join(lines) + "\n"
    if len(argv) > 1:
        with open(argv[1], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
