"""Words the generator writes with that the reference tables do not hold.

Capitals (for the embassies' names), the articles French uses before département and région names,
how often each country appears, person names, functions, and sentence templates. Person names are
common names of each language area, combined at random: no generated person is a real one.
"""

from __future__ import annotations

# -- Embassies --------------------------------------------------------------------------------------

# The city of the French embassy, by ISO 3166 alpha-2 code, in French. Countries outside this
# table are not drawn.
CAPITALS: dict[str, str] = {
    "AE": "Abou Dabi", "AF": "Kaboul", "AL": "Tirana", "AM": "Erevan", "AO": "Luanda",
    "AR": "Buenos Aires", "AT": "Vienne", "AU": "Canberra", "AZ": "Bakou", "BA": "Sarajevo",
    "BD": "Dacca", "BE": "Bruxelles", "BF": "Ouagadougou", "BG": "Sofia", "BH": "Manama",
    "BI": "Bujumbura", "BJ": "Cotonou", "BO": "La Paz", "BR": "Brasilia", "BW": "Gaborone",
    "BY": "Minsk", "CA": "Ottawa", "CD": "Kinshasa", "CF": "Bangui", "CG": "Brazzaville", "CH": "Berne",
    "CI": "Abidjan", "CL": "Santiago", "CM": "Yaoundé", "CN": "Pékin", "CO": "Bogota", "CR": "San José",
    "CU": "La Havane", "CV": "Praia", "CY": "Nicosie", "CZ": "Prague", "DE": "Berlin", "DJ": "Djibouti",
    "DK": "Copenhague", "DO": "Saint-Domingue", "DZ": "Alger", "EC": "Quito", "EE": "Tallinn",
    "EG": "Le Caire", "ES": "Madrid", "ET": "Addis-Abeba", "FI": "Helsinki", "FJ": "Suva",
    "GA": "Libreville", "GB": "Londres", "GE": "Tbilissi", "GH": "Accra", "GM": "Banjul",
    "GN": "Conakry", "GQ": "Malabo", "GR": "Athènes", "GT": "Guatemala", "GW": "Bissau",
    "HN": "Tegucigalpa", "HR": "Zagreb", "HT": "Port-au-Prince", "HU": "Budapest", "ID": "Jakarta",
    "IE": "Dublin", "IL": "Tel Aviv", "IN": "New Delhi", "IQ": "Bagdad", "IR": "Téhéran",
    "IS": "Reykjavik", "IT": "Rome", "JM": "Kingston", "JO": "Amman", "JP": "Tokyo", "KE": "Nairobi",
    "KG": "Bichkek", "KH": "Phnom Penh", "KM": "Moroni", "KR": "Séoul", "KW": "Koweït",
    "KZ": "Astana", "LA": "Vientiane", "LB": "Beyrouth", "LK": "Colombo", "LR": "Monrovia",
    "LS": "Maseru", "LT": "Vilnius", "LU": "Luxembourg", "LV": "Riga", "LY": "Tripoli", "MA": "Rabat",
    "MD": "Chisinau", "ME": "Podgorica", "MG": "Antananarivo", "MK": "Skopje", "ML": "Bamako",
    "MM": "Rangoun", "MN": "Oulan-Bator", "MR": "Nouakchott", "MT": "La Valette", "MU": "Port-Louis",
    "MW": "Lilongwe", "MX": "Mexico", "MY": "Kuala Lumpur", "MZ": "Maputo", "NA": "Windhoek",
    "NE": "Niamey", "NG": "Abuja", "NI": "Managua", "NL": "La Haye", "NO": "Oslo", "NP": "Katmandou",
    "NZ": "Wellington", "OM": "Mascate", "PA": "Panama", "PE": "Lima", "PG": "Port Moresby",
    "PH": "Manille", "PK": "Islamabad", "PL": "Varsovie", "PS": "Jérusalem", "PT": "Lisbonne",
    "PY": "Asuncion", "QA": "Doha", "RO": "Bucarest", "RS": "Belgrade", "RU": "Moscou", "RW": "Kigali",
    "SA": "Riyad", "SC": "Victoria", "SD": "Khartoum", "SE": "Stockholm", "SG": "Singapour",
    "SI": "Ljubljana", "SK": "Bratislava", "SL": "Freetown", "SN": "Dakar", "SR": "Paramaribo",
    "SS": "Djouba", "SV": "San Salvador", "SY": "Damas", "TD": "N'Djaména", "TG": "Lomé",
    "TH": "Bangkok", "TJ": "Douchanbé", "TL": "Dili", "TM": "Achgabat", "TN": "Tunis", "TR": "Ankara",
    "TT": "Port-d'Espagne", "TZ": "Dar es Salam", "UA": "Kiev", "UG": "Kampala",
    "US": "Washington", "UY": "Montevideo", "UZ": "Tachkent", "VE": "Caracas", "VN": "Hanoï",
    "VU": "Port-Vila", "YE": "Sanaa", "ZA": "Pretoria", "ZM": "Lusaka", "ZW": "Harare",
}

# Posts that are not called "Ambassade de France à <city>".
POST_NAMES: dict[str, str] = {
    "PS": "Consulat général de France à Jérusalem",
}

# Relative weight of each country in the Atlas (partnerships per country, rounded); other
# countries of CAPITALS weigh DEFAULT_COUNTRY_WEIGHT.
COUNTRY_WEIGHTS: dict[str, int] = {
    "DE": 2200, "IT": 900, "GB": 850, "SN": 600, "BF": 650, "PL": 500, "ES": 480, "ML": 450,
    "RO": 400, "MG": 350, "CN": 350, "MA": 300, "BJ": 300, "BE": 300, "CA": 280, "US": 250,
    "VN": 250, "JP": 250, "PT": 200, "NE": 200, "CM": 200, "TN": 200, "HT": 150, "LB": 150,
    "RU": 150, "TG": 150, "HU": 150, "CZ": 150, "BR": 150, "DZ": 150, "GN": 120, "CI": 120,
    "MR": 100, "PS": 100, "IL": 100, "AT": 100, "IE": 100, "AM": 80, "UA": 80, "CH": 80,
    "NL": 80, "KH": 60, "MD": 60, "GR": 60, "BG": 60, "IN": 60, "LA": 50, "MX": 50, "HR": 40,
    "SK": 40, "CL": 40, "AR": 40, "CO": 40, "PE": 40, "NI": 40, "TD": 40, "CD": 40, "CG": 30,
    "GA": 30, "BO": 30, "LT": 30, "LV": 30, "SI": 30, "EG": 30, "KR": 30,
}
DEFAULT_COUNTRY_WEIGHT = 8

# Countries and territories that are France: never foreign partners.
FRANCE = frozenset({"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"})

# -- Articles ---------------------------------------------------------------------------------------

# The article French puts before each département's name ("la Charente", "le Nord", "l'Ain",
# "les Landes"); "" where none is used.
DEPARTEMENT_ARTICLES: dict[str, str] = {
    "01": "l'", "02": "l'", "03": "l'", "04": "les", "05": "les", "06": "les", "07": "l'", "08": "les",
    "09": "l'", "10": "l'", "11": "l'", "12": "l'", "13": "les", "14": "le", "15": "le", "16": "la",
    "17": "la", "18": "le", "19": "la", "21": "la", "22": "les", "23": "la", "24": "la", "25": "le",
    "26": "la", "27": "l'", "28": "l'", "29": "le", "2A": "la", "2B": "la", "30": "le", "31": "la",
    "32": "le", "33": "la", "34": "l'", "35": "l'", "36": "l'", "37": "l'", "38": "l'", "39": "le",
    "40": "les", "41": "le", "42": "la", "43": "la", "44": "la", "45": "le", "46": "le", "47": "le",
    "48": "la", "49": "le", "50": "la", "51": "la", "52": "la", "53": "la", "54": "la", "55": "la",
    "56": "le", "57": "la", "58": "la", "59": "le", "60": "l'", "61": "l'", "62": "le", "63": "le",
    "64": "les", "65": "les", "66": "les", "67": "le", "68": "le", "69": "le", "70": "la", "71": "la",
    "72": "la", "73": "la", "74": "la", "76": "la", "77": "la", "78": "les", "79": "les",
    "80": "la", "81": "le", "82": "le", "83": "le", "84": "le", "85": "la", "86": "la", "87": "la",
    "88": "les", "89": "l'", "90": "le", "91": "l'", "92": "les", "93": "la", "94": "le", "95": "le",
    "971": "la", "972": "la", "973": "la", "974": "", "976": "",
}

REGION_ARTICLES: dict[str, str] = {
    "01": "la", "02": "la", "03": "la", "04": "", "06": "", "11": "l'", "24": "le", "27": "la",
    "28": "la", "32": "les", "44": "le", "52": "les", "53": "la", "75": "la", "76": "l'", "84": "l'",
    "93": "la", "94": "la",
}


def of_article(article: str, name: str) -> str:
    """ "de" joined to a name and its article: "de la Charente", "du Nord", "des Landes", "de l'Ain"."""
    if article == "le":
        return f"du {name}"
    if article == "les":
        return f"des {name}"
    if article == "la":
        return f"de la {name}"
    if article == "l'":
        return f"de l'{name}"
    return f"de {name}"


def elided_of(name: str) -> str:
    """ "de" before a commune's name: "de Bordeaux", "d'Angoulême", "de La Rochelle", "du Mans"."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in "AEIOUYÂÉÈÊÎÔÛ":
        return "d'" + name
    return "de " + name


# -- People -----------------------------------------------------------------------------------------

FRENCH_GIVEN = (
    "Marie", "Jean", "Pierre", "Sophie", "Nathalie", "Isabelle", "Philippe", "Hélène", "François",
    "Céline", "Jérôme", "Stéphane", "Anne", "Laurent", "Émilie", "Thomas", "Camille", "Julien",
    "Élodie", "Nicolas", "Amélie", "Sébastien", "Chloé", "Benoît", "Agnès", "Yves", "Mathilde",
    "Grégoire", "Clémence", "Raphaël", "Françoise", "Sherazade", "Karim", "Léa", "Hugo", "Inès",
    "Jean-Pierre", "Marie-Claire", "Bruno", "Valérie",
)
FRENCH_FAMILY = (
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY",
    "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX",
    "VINCENT", "FOURNIER", "MOREL", "GIRARD", "ANDRÉ", "MERCIER", "DUPONT", "LAMBERT", "BONNET",
    "FRANÇOIS", "MARTINEZ", "LEGRAND", "GAUTHIER", "FAURE", "ROUSSEL", "BLANC", "GUÉRIN", "HENRY",
    "CHEVALIER", "MASSON", "BOYER", "BENALLA",
)

# Given names and family names by language area, for the foreign partners' contacts.
PEOPLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "west-africa": (
        ("Aminata", "Moussa", "Fatoumata", "Oumar", "Mariam", "Ibrahima", "Awa", "Seydou", "Aïssata",
         "Boubacar", "Kadiatou", "Souleymane", "Adama", "Djénéba", "Chiaka", "Koffi", "Akossiwa", "Issa"),
        ("DIARRA", "TRAORÉ", "KEITA", "COULIBALY", "DIALLO", "SOW", "NDIAYE", "FALL", "OUÉDRAOGO",
         "SAWADOGO", "KONATÉ", "TOURÉ", "CISSÉ", "SANGARÉ", "DIOP", "BA", "KANE", "MAÏGA", "KABORÉ",
         "AGBODJAN", "HOUNGBÉDJI", "MBARGA", "N'DIAYE"),
    ),
    "arabic": (
        ("Mohamed", "Fatima", "Youssef", "Khadija", "Karim", "Leïla", "Rachid", "Samira", "Nadia",
         "Hassan", "Amina", "Omar", "Salma", "Nabil"),
        ("BENALI", "EL AMRANI", "BOUZID", "HADDAD", "KHOURY", "SAADI", "MANSOUR", "CHERIF", "TAZI",
         "BENNANI", "AZIZ", "BEN SALAH", "TRABELSI"),
    ),
    "malagasy": (
        ("Hery", "Voahangy", "Fanja", "Tiana", "Mamy", "Lalao", "Rivo", "Nirina"),
        ("RAKOTO", "RAZAFINDRAKOTO", "RANDRIANARISOA", "ANDRIAMANANA", "RABEMANANJARA", "RASOLOFO"),
    ),
    "germanic": (
        ("Jürgen", "Anna", "Katrin", "Stefan", "Uwe", "Sabine", "Thomas", "Petra", "Klaus", "Birgit",
         "Jan", "Femke", "Lukas", "Monika"),
        ("MÜLLER", "SCHMIDT", "SCHNEIDER", "FISCHER", "WEBER", "MEYER", "WAGNER", "BECKER", "HOFFMANN",
         "KOCH", "DE VRIES", "JANSSENS", "HUBER", "GRUBER"),
    ),
    "slavic": (
        ("Piotr", "Agnieszka", "Jan", "Ewa", "Tomasz", "Olga", "Dmitri", "Irina", "Marek", "Zuzana",
         "Andriy", "Natalia", "Milan", "Jelena"),
        ("NOWAK", "KOWALSKI", "WIŚNIEWSKA", "NOVÁK", "IVANOV", "PETROV", "KOVAČ", "HORVAT",
         "SHEVCHENKO", "DVOŘÁK", "KUZNETSOVA", "JOVANOVIĆ", "NAGY", "SZABÓ"),
    ),
    "romance": (
        ("Giulia", "Marco", "Lucía", "José", "Ana", "João", "Maria", "Andrei", "Elena", "Carlos",
         "Francesca", "Miguel", "Ioana", "Pablo"),
        ("ROSSI", "BIANCHI", "GARCÍA", "MARTÍNEZ", "FERNANDES", "SILVA", "POPESCU", "IONESCU", "LÓPEZ",
         "FERREIRA", "RUSSO", "ESPOSITO", "RODRÍGUEZ", "CONSTANTIN"),
    ),
    "english": (
        ("James", "Sarah", "David", "Emma", "Michael", "Claire", "Patrick", "Laura", "Sean", "Rachel"),
        ("SMITH", "JONES", "WILLIAMS", "BROWN", "TAYLOR", "O'BRIEN", "MURPHY", "WILSON", "CAMPBELL",
         "TREMBLAY", "GAGNON", "ROY"),
    ),
    "asian": (
        ("Minh", "Lan", "Wei", "Fang", "Kenji", "Yuko", "Sokha", "Dara", "Somchai", "Hoa", "Jing",
         "Haruki"),
        ("NGUYEN", "TRAN", "PHAM", "WANG", "LI", "ZHANG", "TANAKA", "SATO", "SUZUKI", "KIM", "PARK",
         "SOK", "CHAN", "VONGSA"),
    ),
    "other": (
        ("Ali", "Maria", "David", "Ana", "Samuel", "Elena", "Daniel", "Sara", "Michel", "Léa"),
        ("HAKOBYAN", "GRIGORYAN", "PIERRE", "JOSEPH", "COHEN", "LEVI", "ALVES", "MENDOZA",
         "PAPADOPOULOS", "YILMAZ"),
    ),
}

PEOPLE_BY_COUNTRY: dict[str, str] = {
    **dict.fromkeys(("ML", "SN", "BF", "NE", "GN", "CI", "TG", "BJ", "GM", "GW", "TD", "CM", "CF",
                     "GA", "CG", "CD", "CV", "GH", "LR", "SL", "NG", "RW", "BI", "GQ"), "west-africa"),
    **dict.fromkeys(("MA", "DZ", "TN", "MR", "LB", "PS", "EG", "JO", "SY", "IQ", "LY", "DJ", "KM",
                     "AE", "QA", "SA", "OM", "KW", "BH", "YE", "SD"), "arabic"),
    **dict.fromkeys(("MG", "MU", "SC"), "malagasy"),
    **dict.fromkeys(("DE", "AT", "CH", "NL", "BE", "LU", "DK", "SE", "NO", "FI", "IS"), "germanic"),
    **dict.fromkeys(("PL", "CZ", "SK", "RU", "UA", "BY", "BG", "RS", "HR", "SI", "BA", "ME", "MK",
                     "HU", "LT", "LV", "EE"), "slavic"),
    **dict.fromkeys(("IT", "ES", "PT", "RO", "MD", "BR", "AR", "CL", "MX", "CO", "PE", "BO", "CU",
                     "NI", "EC", "UY", "PY", "VE", "GT", "HN", "SV", "CR", "PA", "DO", "AO", "MZ"),
                    "romance"),
    **dict.fromkeys(("GB", "IE", "US", "CA", "AU", "NZ", "ZA", "KE", "UG", "TZ", "ZM", "ZW", "MW",
                     "BW", "NA", "IN", "JM", "TT", "MT"), "english"),
    **dict.fromkeys(("CN", "JP", "KR", "VN", "KH", "LA", "TH", "MY", "SG", "ID", "PH", "MN",
                     "MM"), "asian"),
}

FOREIGN_FUNCTIONS = (
    "Maire", "Adjoint au maire", "Secrétaire général", "Chargé de la coopération",
    "Directeur des services techniques", "Président du conseil", "Responsable des relations internationales",
)

# Roles of the post-role scheme, in the order a post lists them.
POST_ROLE_ORDER = (
    "Correspondant coopération décentralisée",
    "Conseiller de coopération et d'action culturelle",
    "Attaché de coopération",
    "Chef de poste",
)

# -- Organisations ----------------------------------------------------------------------------------

# Spellings of the organisations of reference/data/organisations.csv, by key, with their weights.
ORGANISATION_SPELLINGS: dict[str, tuple[tuple[str, int], ...]] = {
    "meae": (
        ("Ministère de l'Europe et des Affaires étrangères", 60), ("MAEE", 10), ("MAE", 5),
        ("Ministère des Affaires étrangères", 10),
        ("Ministère de l'Europe et des Affaires étrangères (MEAE)", 5),
        ("Ministere de l'Europe et des Affaires etrangeres", 5), ("MEAE", 5),
    ),
    "afd": (("Agence française de développement", 70), ("AFD", 30)),
    "ue": (("Union européenne", 60), ("UE", 20), ("Commission européenne", 20)),
    "agences-de-l-eau": (("Agence de l'eau", 100),),
}

UNSPECIFIED_FUNDERS = (("Autre", 85), ("Autres", 10), ("Non précisé", 5))

ASSOCIATION_TEMPLATES = (
    "Comité de jumelage {of_french}",
    "Association {french} – {foreign}",
    "Association des amis {of_foreign}",
    "{french} Solidarité {country}",
    "Maison de la coopération {of_french}",
)

# -- Text -------------------------------------------------------------------------------------------

TITLES = (
    "Coopération décentralisée entre {french} et {foreign}",
    "Jumelage {french} – {foreign}",
    "Appui à la gouvernance locale {of_foreign}",
    "Accès à l'eau potable et à l'assainissement à {foreign}",
    "Renforcer et appuyer la gouvernance locale",
    "Programme de coopération {french} – {foreign}",
    "Échanges culturels et jeunesse entre {french} et {foreign}",
    "Développement économique local {of_foreign}",
    "Appui à la maîtrise d'ouvrage communale",
    "Gestion des déchets et environnement urbain à {foreign}",
    "Santé materno-infantile à {foreign}",
    "Formation des agents territoriaux {of_foreign}",
    "Valorisation du patrimoine {of_foreign}",
    "Sécurité alimentaire et agriculture familiale",
    "Partenariat {french} – {foreign} : {theme_lower}",
)

CONTEXT_SENTENCES = (
    "La coopération entre {french} et {foreign} ({country}) s'inscrit dans la politique de décentralisation "
    "engagée par les autorités du pays.",
    "Les collectivités territoriales du pays partenaire ont la responsabilité de concevoir et de mettre en "
    "œuvre des programmes de développement sur leur territoire.",
    "{foreign} compte une population en forte croissance et des besoins importants en services de base.",
    "Les deux collectivités entretiennent des relations d'amitié depuis de nombreuses années.",
    "Le partenariat répond à une demande exprimée par les élus {of_foreign}.",
)

HISTORY_SENTENCES = (
    "Les premiers échanges entre {french} et {foreign} datent de {year}.",
    "Une convention de coopération a été signée en {year} conformément à la loi du 6 février 1992.",
    "Le jumelage a d'abord porté sur des échanges scolaires et culturels.",
    "Des missions réciproques d'élus et de techniciens ont lieu chaque année.",
    "Le partenariat a obtenu des cofinancements du ministère à partir de {year}.",
)

OBJECTIVE_INTROS = (
    "Les actions du partenariat porteront principalement sur les objectifs suivants :",
    "Le projet vise à :",
    "Le partenariat poursuit trois objectifs :",
)

OBJECTIVE_ITEMS = (
    "l'appui institutionnel,",
    "le renforcement des capacités des agents municipaux,",
    "l'amélioration de l'accès à l'eau potable,",
    "la gestion des déchets ménagers,",
    "l'appui aux structures jeunesse,",
    "l'éducation au développement,",
    "le développement économique et touristique,",
    "la mise en valeur du patrimoine culturel,",
    "la santé materno-infantile,",
    "la sécurité alimentaire.",
)

DESCRIPTION_SENTENCES = (
    "Le projet porte principalement sur le thème « {theme} » à {foreign}.",
    "Il prévoit la formation des agents, l'équipement des services et l'accompagnement des élus.",
    "Des actions de sensibilisation sont menées auprès des habitants et des écoles.",
    "Un comité de pilotage conjoint se réunit deux fois par an.",
    "Les travaux sont réalisés par des entreprises locales sous la maîtrise d'ouvrage {of_foreign}.",
    "Une évaluation à mi-parcours permettra d'ajuster les actions.",
)

BENEFICIARIES = (
    "Les habitants {of_foreign}.",
    "Les deux collectivités et leurs populations.",
    "Les agents municipaux et les élus {of_foreign}.",
    "Les jeunes {of_foreign} et de {french}.",
    "Les écoles, les centres de santé et les associations locales.",
)

VOLUNTEER_MISSIONS = (
    ("Appui à la coopération décentralisée", "Gouvernance locale"),
    ("Animation du partenariat", "Culture et jeunesse"),
    ("Suivi des travaux d'adduction d'eau", "Eau et assainissement"),
    ("Appui au service de l'état civil", "Appui institutionnel"),
)
