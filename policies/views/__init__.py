"""Pages of the policies home, one module per sub-feature: `policies` (policies, their
revisions and review, differences, acknowledgements) and `training` (modules, records,
assignments, the CSV import). `urls.py` names the view of each page."""
