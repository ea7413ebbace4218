"""The working-day calendar: State Council holiday arrangements, stored per year, imported by administrators."""
