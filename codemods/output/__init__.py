"""Findings and what users see of them: the report, the formats, the rule docs."""
