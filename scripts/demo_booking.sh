#!/usr/bin/env bash
# What an n8n agent does with Secre: create a doctor and weekly availability, list Thursday's
# slots, book one with the seed 000 payload, see the slot disappear, cancel, see it return.
#
#   scripts/demo_booking.sh [BASE_URL] [API_KEY]
#
# BASE_URL defaults to http://127.0.0.1:8000 (make run); API_KEY to $SECRE_API_KEY or the demo key
# that `make run` stored in .secre/demo-api-key. Needs curl and python3. Exits non-zero on failure.
set -euo pipefail

BASE="${1:-http://127.0.0.1:8000}"
KEY="${2:-${SECRE_API_KEY:-$(cat "$(dirname "$0")/../.secre/demo-api-key" 2>/dev/null || true)}}"
[ -n "$KEY" ] || { echo "no API key: pass one, set SECRE_API_KEY, or run make run first" >&2; exit 2; }
DOCTOR_DOC="99999999"
PATIENT_DOC="12345678"

call() {  # call METHOD PATH [BODY] -> prints the body; fails on a status outside 2xx/409
  local method="$1" path="$2" body="${3:-}" out status
  out=$(mktemp)
  status=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" "$BASE$path" \
    -H "X-Api-Key: $KEY" -H "Content-Type: application/json" ${body:+-d "$body"})
  if [[ "$status" != 2* && "$status" != 409 ]]; then
    echo "$method $path -> $status: $(cat "$out")" >&2; rm -f "$out"; exit 1
  fi
  cat "$out"; rm -f "$out"
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

THURSDAY=$(python3 -c "import datetime as d; t=d.date.today(); print(t + d.timedelta(days=(3 - t.weekday()) % 7 or 7))")
echo "1. doctor $DOCTOR_DOC and Thursday availability 09:00-17:00 (clinic time)"
call POST /v1/doctors "{\"documentTypeId\": 1, \"documentNumber\": \"$DOCTOR_DOC\", \"firstName\": \"Laura\",
  \"firstLastName\": \"Restrepo\", \"specialty\": \"medicina general\"}" >/dev/null
call POST /v1/doctor-availability/availability "{\"doctor_document_type_id\": 1,
  \"doctor_document_number\": \"$DOCTOR_DOC\", \"day_of_week\": 4, \"start_time\": \"09:00\",
  \"end_time\": \"17:00\", \"appointment_duration_minutes\": 30}" >/dev/null
call PUT "/v1/patients/by-document/1/$PATIENT_DOC" '{"firstName": "Juan", "firstLastName": "Pérez",
  "cellPhone": "3001234567"}' >/dev/null

slots() { call GET "/v1/doctor-availability/time-slots/1/$DOCTOR_DOC?date=$THURSDAY"; }
echo "2. Thursday $THURSDAY slots"
SLOTS=$(slots)
COUNT=$(echo "$SLOTS" | json 'len(d["slots"])')
START=$(echo "$SLOTS" | json 'd["slots"][0]["start"]')
END=$(echo "$SLOTS" | json 'd["slots"][0]["end"]')
echo "   $COUNT free; first $(echo "$SLOTS" | json 'd["slots"][0]["startLocal"]')"

echo "3. book it (seed 000 payload)"
BOOKED=$(call POST /v1/appointments "{\"eventType\": \"APPOINTMENT\", \"actionType\": \"CREATE\",
  \"startAppointment\": \"$START\", \"endAppointment\": \"$END\", \"patientDocumentTypeId\": 1,
  \"patientDocumentNumber\": \"$PATIENT_DOC\", \"doctorDocumentTypeId\": 1, \"doctorDocumentNumber\": \"$DOCTOR_DOC\",
  \"modality\": \"presencial\", \"state\": \"scheduled\", \"notificationState\": \"pending\",
  \"appointmentType\": \"primera_vez\", \"comment\": \"Agendada por el asistente\", \"customFields\": {}}")
ID=$(echo "$BOOKED" | json 'd.get("id") or sys.exit("booking refused: " + json.dumps(d))')
echo "   appointment $ID"

echo "4. the slot is gone"
slots | json "sys.exit('slot still offered') if '$START' in [s['start'] for s in d['slots']] else 'ok'"

echo "5. cancel"
call POST "/v1/appointments/$ID/cancel" '{"reason": "El paciente canceló por WhatsApp"}' | json 'd["state"]'

echo "6. the slot is back"
slots | json "'ok' if '$START' in [s['start'] for s in d['slots']] else sys.exit('slot not back')"
echo "demo booking: done"
