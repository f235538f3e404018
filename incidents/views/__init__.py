"""Incident pages, one module per part: `incidents` (list, board, declare, the incident
page and the forms that run it), `work` (tasks, notes, pins, freeze, statements, the
review, my tasks, the metrics report) and `playbooks`. incidents/urls.py names them."""
