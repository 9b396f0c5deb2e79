"""The W3C ACT Rules test cases as a test suite for `legible audit`.

`rules/` and `test-assets/` are vendored from act-rules/act-rules.github.io (W3C
Software and Document licence: LICENSE.md here; the commit in SOURCE), refreshed by
`scripts/refresh-act CLONE`. Only the rules that the audit's checks implement (the
ACT ids in legible_audit/registry.py) and the assets their examples use are kept.

- `cases`: every Passed, Failed and Inapplicable example, as the ACT tools build it;
- `judge`: the audit's findings on each example -> an ACT outcome, the EARL report
  and the per-rule table;
- `python -m e2e.act`: serve the examples from a plain local server, run one
  `legible audit --widget off` over them, and write both reports.
"""
