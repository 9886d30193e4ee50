"""The back-office kit every staff area is built with (knows no feature):

- `roles`: the staff roles and the table of areas (who may open each, and its menu line);
- `access`: `protect_back_office(bp, area=...)` for an area's blueprint (staff only, its
  roles only, never cached or indexed, the menu in its templates), `area_required` for a
  view of another area, the signed-in member of staff and their IP for the audit log;
- `audit` and `models`: the audit log (`record_audit`, `changed_values`, `AuditEntry`);
- `lists`: a list page's filters read from the query string and its page of rows
  (with the `pagination` macro in templates/admin/_pagination.html);
- `exports`: CSV downloads with cells a spreadsheet will not run as formulas.

A new area is one line in `roles.AREAS` and a blueprint that calls
`protect_back_office(bp, area="...")`; its views then only read input, call their
feature's services and render.
"""
