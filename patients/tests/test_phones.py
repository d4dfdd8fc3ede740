"""Phone numbers as messaging channels send them (patients/phones.py)."""

import pytest

from patients.phones import phone_from_channel


@pytest.mark.parametrize(
    ("sent", "e164"),
    [
        ("573001234567", "+573001234567"),  # WhatsApp's wa_id: international, without "+"
        ("whatsapp:+573001234567", "+573001234567"),
        ("+57 300 123 4567", "+573001234567"),
        ("3001234567", "+573001234567"),  # national, read in PHONE_DEFAULT_REGION (CO)
        ("(300) 123-4567", "+573001234567"),
        ("14155552671", "+14155552671"),
        ("tel:+1-415-555-2671", "+14155552671"),
    ],
)
def test_channel_spellings_are_read_as_e164(sent, e164):
    assert str(phone_from_channel(sent)) == e164


@pytest.mark.parametrize("sent", ["", "garbage", "123", "whatsapp:", "+99 999"])
def test_what_is_no_phone_number_is_none(sent):
    assert phone_from_channel(sent) is None
