"""Words that point at a kind of risk without being one: the model reads them as cues.

A health claim names a body or a condition ("my IBS is gone", "fait fondre la cellulite"),
a press enquiry names a journalist or an article, an executive's remark names a title, a
threat names a weapon or a blow, a returns promise names shares or profit. None of these
words is a risk on its own ("a journalist loved our latte"), so they are not keyword lists:
they are features (`cue:<name>`) whose weight the model learns per reason. Swearing and
gifts are cues too, for the forms and languages an organisation's keyword lists may not hold
("pricks", "Scheiße", "reçue gracieusement"). Words are folded lemmas
(features.word_features), English and French together.
"""

CUE_WORDS: dict[str, tuple[str, ...]] = {
    "health": (
        "ibs", "reflux", "acid", "acide", "cholesterol", "tension", "pressure", "glycemie",
        "glycemia", "diabete", "diabetes", "insomnie", "insomnia", "migraine", "cellulite",
        "ventre", "belly", "weight", "poids", "kilo", "kg", "fat", "graisse", "foie", "liver",
        "digestion", "digestive", "immunite", "immunity", "immune", "rhume", "grippe", "flu",
        "inflammation", "anxiety", "anxiete", "cancer", "cardiovasculaire", "cardiovascular",
        "detox", "drainant", "drainante", "retention", "metabolism", "metabolisme", "teint",
        "acne", "arthritis", "arthrose", "doctor", "medecin", "cardiologue", "generaliste",
        "traitement", "treatment", "pill", "medicament", "symptom", "symptome", "minceur",
        "slimming", "maigrir", "mincir", "cure", "guerir", "heal", "soigner", "remede",
        "nausee", "bloating", "ballonnement", "gut", "intestin", "sommeil", "cortisol",
    ),
    "press": (
        "journalist", "journaliste", "reporter", "article", "newsroom", "redaction", "press",
        "presse", "interview", "podcast", "radio", "emission", "reportage",
        "enquete", "investigation", "editor", "redacteur", "broadcast", "segment", "publish",
        "publier", "deadline",
    ),
    "executive": (
        "ceo", "pdg", "founder", "fondateur", "fondatrice", "directeur", "directrice",
        "director", "president", "presidente", "executive", "dirigeant", "cto", "cmo", "vp",
        "chairman", "boss", "patron", "vasseur",
    ),
    "violence": (
        "kill", "tuer", "stab", "poignarder", "shoot", "gun", "fusil", "arme", "weapon",
        "couteau", "knife", "batte", "bat", "cogner", "frapper", "beat", "punch", "demolir",
        "eclater", "crever", "bruler", "burn", "hurt", "blesser", "menace", "threat",
        "threaten", "menacer",
    ),
    "swear": (
        "fuck", "fucking", "fucker", "fkn", "fking", "fucked", "shit", "shite", "piss", "pissing",
        "prick", "twat", "wanker", "tosser", "bellend", "knobhead", "dimwit", "numpty", "pillock",
        "muppet", "bollock", "arse", "arsehole", "asshole", "jobsworth", "scumbag",
        "merde", "putain", "put1", "ptain", "chier", "foutre", "couille", "cul", "connard",
        "cretin", "batard", "enfoire", "encule", "abruti", "debile", "bouffon", "guignol",
        "escroc", "tocard", "vtff", "vtf", "ftg", "osef", "mierda", "joder", "cabron",
        "puta", "cazzo", "merda", "stronzo", "scheisse", "scheiss", "arschloch", "verdammt",
    ),
    "gift": (
        "gifted", "gift", "freebie", "courtesy", "offert", "offrir", "cadeau", "gracieusement",
        "gratuitement", "envoi", "colis", "unboxing", "pr", "ambassador", "ambassadeur",
        "ambassadrice",
    ),
    "money": (
        "invest", "investir", "investment", "investissement", "action", "share", "stock",
        "rendement", "return", "profit", "bourse", "crypto", "dividend", "dividende",
        "garantir", "guarantee", "guaranteed", "assure", "roi", "gain",
    ),
}  # fmt: skip

CUE_OF_WORD: dict[str, str] = {
    word: f"cue:{name}" for name, words in CUE_WORDS.items() for word in words
}
