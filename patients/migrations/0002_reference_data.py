"""Colombian reference data with stable numeric ids: document types, genders, EPS.

Ids are the contract clients send (`documentTypeId: 1` is CC, as in the seeds); never renumber,
only append. Document types follow the RIPS/MinSalud list; EPS codes are the ones the
Superintendencia Nacional de Salud assigns.
"""

from django.db import migrations

DOCUMENT_TYPES = [
    (1, "CC", "Cédula de ciudadanía"),
    (2, "TI", "Tarjeta de identidad"),
    (3, "CE", "Cédula de extranjería"),
    (4, "PA", "Pasaporte"),
    (5, "RC", "Registro civil de nacimiento"),
    (6, "NIT", "Número de identificación tributaria"),
    (7, "MS", "Menor sin identificación"),
    (8, "AS", "Adulto sin identificación"),
    (9, "CD", "Carné diplomático"),
    (10, "SC", "Salvoconducto de permanencia"),
    (11, "PE", "Permiso especial de permanencia"),
    (12, "PT", "Permiso por protección temporal"),
    (13, "CN", "Certificado de nacido vivo"),
    (14, "DE", "Documento extranjero"),
]

GENDERS = [
    (1, "M", "Masculino"),
    (2, "F", "Femenino"),
    (3, "I", "Indeterminado / intersexual"),
    (4, "ND", "No declarado"),
]

EPS = [
    (1, "EPS001", "Aliansalud EPS"),
    (2, "EPS002", "Salud Total EPS"),
    (3, "EPS005", "EPS Sanitas"),
    (4, "EPS008", "Compensar EPS"),
    (5, "EPS010", "EPS Sura"),
    (6, "EPS012", "Comfenalco Valle EPS"),
    (7, "EPS017", "EPS Famisanar"),
    (8, "EPS018", "Servicio Occidental de Salud EPS SOS"),
    (9, "EPS025", "Capresoca EPS"),
    (10, "EPS037", "Nueva EPS"),
    (11, "EPS040", "Savia Salud EPS"),
    (12, "EPS042", "Coosalud EPS"),
    (13, "EPS046", "Salud Bolívar EPS"),
    (14, "EPS048", "Mutual Ser EPS"),
    (15, "ESS024", "Coosalud EPS (régimen subsidiado)"),
    (16, "ESS062", "Asmet Salud EPS"),
    (17, "ESS118", "Emssanar EPS"),
    (18, "ESS207", "Mutual Ser EPS (régimen subsidiado)"),
    (19, "CCF055", "Cajacopi Atlántico EPS"),
    (20, "CCF102", "Comfachocó EPS"),
    (21, "EPSI01", "Dusakawi EPSI"),
    (22, "EPSI03", "Asociación Indígena del Cauca EPSI"),
    (23, "EPSI04", "Anas Wayuu EPSI"),
    (24, "EPSI05", "Mallamas EPSI"),
    (25, "EPSI06", "Pijaos Salud EPSI"),
    (26, "EAS016", "Empresas Públicas de Medellín (EPM) - Unidad de Servicios de Salud"),
    (27, "EAS027", "Fondo de Pasivo Social de Ferrocarriles Nacionales"),
    (28, "EPSS41", "Nueva EPS (régimen subsidiado)"),
]

CATALOGUES = [("DocumentType", DOCUMENT_TYPES), ("Gender", GENDERS), ("Eps", EPS)]


def load(apps, schema_editor):
    using = schema_editor.connection.alias  # the owner connection: the runtime role may only read these
    for model_name, rows in CATALOGUES:
        model = apps.get_model("patients", model_name)
        for pk, code, name in rows:
            model.objects.using(using).update_or_create(id=pk, defaults={"code": code, "name": name})


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    # Reversing keeps the rows: they are harmless, and deleting referenced rows only to drop the tables
    # right after would queue deferred foreign-key checks that block the DROP.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
