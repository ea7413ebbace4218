"""Pure rules: the working-day calendar, deadlines, dispositions, the case lifecycle and the annual statistics.

Standard library only; no I/O and no clock: today and the calendar are always parameters.
"""
