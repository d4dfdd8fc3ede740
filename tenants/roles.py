"""Console roles: the Django groups clinic staff belong to, and what each may do.

* Owner — everything in the clinic: patients (incl. delete and export), scheduling, appointments
  (incl. export), the clinic's staff and API keys.
* Assistant — patients and appointments: view, add, change; reads scheduling; cannot delete
  patients, cannot see API keys (seed 003's ASSISTANT).
* Doctor — a staff user linked to a Doctor record: sees their own agenda, marks appointments
  completed or no_show and writes the appointment's notes (seed 004's doctors).

Platform operators belong to no tenant and no group: they are superusers of the console.

The groups and their exact permissions are created by tenants/migrations/0005_console_roles.py;
what a Doctor sees and may change is narrowed further in appointments/admin.py.
"""

OWNER = "Owner"
ASSISTANT = "Assistant"
DOCTOR = "Doctor"
STAFF_ROLES = (OWNER, ASSISTANT, DOCTOR)
