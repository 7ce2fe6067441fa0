"""Candidate self-assessment: a patient profile checked against every rule set."""
