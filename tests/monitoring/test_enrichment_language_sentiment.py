"""Language detection and sentiment scoring of mentions."""

import pytest

from monitoring.enrichment.language import detect_language
from monitoring.enrichment.sentiment import score_sentiment, sentiment_label

EN = [
    "My Lumora Brew stopped working after the update, this is ridiculous",
    "Just got my new Lumora kettle and honestly it's the best purchase this year",
    "Does anyone know if the Lumora app works offline?",
    "Customer service hung up on me twice today. Never buying from them again",
    "Waited three weeks for a refund and still nothing, what a joke",
    "Love the new colours, the green one looks amazing in my kitchen",
    "Is there a recall on the Lumora grinder? Mine started smoking this morning",
    "Thanks for the quick reply, the replacement arrived yesterday",
    "The coffee tastes burnt every single time, something is wrong with this machine",
    "Anyone else having trouble logging into their account since Monday?",
    "Their support team is incredibly helpful, sorted my issue in ten minutes",
    "I want my money back, this product is a total scam",
    "Cannot believe how loud this thing is, it wakes up the whole house",
    "Great design but the battery dies after two hours",
    "Where can I buy spare filters for the older model?",
    "Just ordered a second one for my parents, they loved mine",
    "The delivery driver left the box in the rain and now it's soaked",
    "Seriously disappointed with the quality, the handle broke after a week",
    "Can someone from the brand please answer my emails",
    "This is exactly what I was looking for, works perfectly",
    "The store was out of stock again, third time this month",
    "Warning: the charger gets dangerously hot, unplug it at night",
]
FR = [
    "Ma machine ne marche plus depuis la mise à jour, c'est honteux",
    "Franchement la nouvelle bouilloire Lumora est géniale, je recommande",
    "Quelqu'un sait si l'application fonctionne sans connexion ?",
    "Le service client m'a raccroché au nez deux fois aujourd'hui",
    "Trois semaines que j'attends mon remboursement, c'est une arnaque",
    "J'adore les nouvelles couleurs, la verte est magnifique dans ma cuisine",
    "Mon moulin a commencé à fumer ce matin, y a-t-il un rappel ?",
    "Merci pour la réponse rapide, le remplacement est arrivé hier",
    "Le café a un goût de brûlé à chaque fois, il y a un problème avec cette machine",
    "Impossible de me connecter à mon compte depuis lundi, quelqu'un d'autre ?",
    "L'équipe du support est vraiment top, problème réglé en dix minutes",
    "Je veux être remboursé, ce produit est nul",
    "Je n'arrive pas à croire à quel point c'est bruyant, toute la maison se réveille",
    "Beau design mais la batterie se vide au bout de deux heures",
    "Où est-ce que je peux acheter des filtres pour l'ancien modèle ?",
    "Je viens d'en commander une deuxième pour mes parents, ils ont adoré la mienne",
    "Le livreur a laissé le colis sous la pluie, tout est trempé",
    "Vraiment déçu de la qualité, la poignée a cassé au bout d'une semaine",
    "Est-ce que quelqu'un de la marque peut enfin répondre à mes mails",
    "C'est exactement ce que je cherchais, ça marche parfaitement",
    "Encore en rupture de stock au magasin, troisième fois ce mois-ci",
    "Attention, le chargeur chauffe dangereusement, débranchez-le la nuit",
]
ES = [
    "Mi cafetera dejó de funcionar después de la actualización, es una vergüenza",
    "El servicio al cliente nunca responde, llevo tres semanas esperando",
    "Me encanta el nuevo diseño, el color verde queda precioso en la cocina",
]
DE = [
    "Meine Kaffeemaschine funktioniert seit dem Update nicht mehr, echt peinlich",
    "Der Kundenservice antwortet einfach nicht, ich warte seit drei Wochen",
    "Ich liebe das neue Design, die grüne Farbe sieht toll aus",
]
AR = [
    "توقفت آلة القهوة عن العمل بعد التحديث، هذا أمر مخجل",
    "خدمة العملاء لا ترد أبدا، أنتظر منذ ثلاثة أسابيع",
]
OTHER = {
    "it": "La mia macchina da caffè non funziona più dopo l'aggiornamento, che vergogna",
    "pt": "A minha máquina de café deixou de funcionar depois da atualização, que vergonha",
    "nl": "Mijn koffiezetapparaat werkt niet meer sinds de update, echt schandalig",
    "he": "מכונת הקפה שלי הפסיקה לעבוד אחרי העדכון, זה מביש",
    "ru": "Моя кофемашина перестала работать после обновления, это позор",
    "tr": "Kahve makinem güncellemeden sonra çalışmayı bıraktı, bu çok ayıp",  # noqa: RUF001
    "pl": "Mój ekspres do kawy przestał działać po aktualizacji, to skandal",
}
SHORT = [
    "hello world",
    "merci beaucoup",
    "ok",
    "lol",
    "great stuff",
    "trop bien",
    "so bad",
    "c'est nul",
]

EN_NEGATIVE = [
    "My Lumora Brew stopped working after the update, this is ridiculous",
    "Customer service hung up on me twice today, terrible experience",
    "Waited three weeks for a refund and still nothing, what a joke",
    "I want my money back, this product is a total scam",
    "Seriously disappointed with the quality, the handle broke after a week",
    "Worst purchase ever, avoid this brand",
    "The app keeps crashing, so frustrating",
    "This kettle is awful and dangerous",
    "Horrible support, nobody answers",
    "I hate this stupid machine",
    "Broken on arrival. Useless.",
    "The coffee tastes bad and the machine is noisy",
    "Really angry right now, they ignored my complaint again",
    "Such a disappointing update, everything is worse",
    "Shameful treatment, I am disgusted",
]
EN_POSITIVE = [
    "Just got my new Lumora kettle and honestly it's the best purchase this year",
    "Love the new colours, the green one looks amazing in my kitchen",
    "Thanks for the quick reply, the replacement arrived yesterday",
    "Their support team is incredibly helpful, sorted my issue in ten minutes",
    "This is exactly what I was looking for, works perfectly",
    "Great coffee, great design, happy customer",
    "Excellent service, thank you so much",
    "I love this machine :)",
    "Wonderful product, highly recommend",
    "Best kettle I have ever owned 😍",
    "So pleased with my order, fantastic quality",
    "Awesome update, the app is much better now",
    "Brilliant team, very friendly and helpful",
    "Nice design and good value",
    "Perfect gift for my dad, he loves it",
]
EN_NEUTRAL = [
    "Where can I buy spare filters for the older model?",
    "Does the Lumora app work offline?",
    "What time does the store open on Sunday?",
    "Is the new model available in Canada?",
]
FR_NEGATIVE = [
    "Ma machine ne marche plus depuis la mise à jour, c'est honteux",
    "Trois semaines que j'attends mon remboursement, c'est une arnaque",
    "Je veux être remboursé, ce produit est nul",
    "Vraiment déçu de la qualité, la poignée a cassé au bout d'une semaine",
    "Service client inadmissible, personne ne répond",
    "C'est un scandale, la bouilloire est dangereuse",
    "Encore en panne, c'est lamentable",
    "Produit défectueux et livraison en retard, très déçue",
    "Horrible expérience, je déconseille",
    "Le chargeur chauffe dangereusement, c'est inacceptable",
    "Quelle arnaque, fuyez cette marque",
    "Application pourrie, elle plante tout le temps",
    "Franchement nul, la pire machine que j'ai eue",
    "Je suis furieux, on m'a raccroché au nez",
    "Ce n'est pas bon du tout",
]
FR_POSITIVE = [
    "Franchement la nouvelle bouilloire Lumora est géniale, je recommande",
    "J'adore les nouvelles couleurs, la verte est magnifique dans ma cuisine",
    "Merci pour la réponse rapide, le remplacement est arrivé hier",
    "L'équipe du support est vraiment top, problème réglé en dix minutes",
    "C'est exactement ce que je cherchais, ça marche parfaitement",
    "Bravo à toute l'équipe, produit parfait",
    "Excellent service client, merci beaucoup",
    "Très contente de mon achat",
    "Super machine, le café est délicieux",
    "Livraison rapide et produit impeccable",
    "Génial, je suis ravi",
    "Un grand merci pour votre aide",
    "Qualité exceptionnelle, je recommande vivement",
    "Le design est superbe 😍",
    "Sans problème depuis deux ans, très fiable",
]
FR_NEUTRAL = [
    "Où est-ce que je peux acheter des filtres pour l'ancien modèle ?",
    "Quelle est l'heure d'ouverture du magasin dimanche ?",
    "Le nouveau modèle est-il disponible en Belgique ?",
]


@pytest.mark.parametrize("text", EN)
def test_detects_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", FR)
def test_detects_french(text):
    assert detect_language(text) == "fr"


@pytest.mark.parametrize(
    ("text", "code"),
    [(t, "es") for t in ES]
    + [(t, "de") for t in DE]
    + [(t, "ar") for t in AR]
    + [(t, c) for c, t in OTHER.items()],
)
def test_detects_other_languages(text, code):
    assert detect_language(text) == code


def test_ignores_urls_handles_and_hashtag_marks():
    text = "@lumora_support my #LumoraBrew broke again https://t.co/xyz so annoying"
    assert detect_language(text) == "en"
    assert detect_language("@lumora #fail https://example.com/abc") == ""


@pytest.mark.parametrize("text", [*SHORT, "", "   ", "😀😀😀", "🔥🔥 !!!", "123 456", "好的"])
def test_too_short_or_emoji_only_is_undecided(text):
    assert detect_language(text) == ""


@pytest.mark.parametrize(
    "text",
    ["a" * 100_000, "Hello there, my friend " * 5000, "abc\x00def\x00 ghi jkl", "\x00" * 50,
     "שלום עולם מה שלומך היום", "今日はとても良い天気ですね", "\ud800 broken surrogate text here"],
)  # fmt: skip
def test_detection_never_raises(text):
    assert isinstance(detect_language(text), str)


@pytest.mark.parametrize("text", EN_NEGATIVE)
def test_english_complaints_are_negative(text):
    assert sentiment_label(score_sentiment(text, "en")) == "negative"


@pytest.mark.parametrize("text", EN_POSITIVE)
def test_english_praise_is_positive(text):
    assert sentiment_label(score_sentiment(text, "en")) == "positive"


@pytest.mark.parametrize(
    ("text", "language"), [(t, "en") for t in EN_NEUTRAL] + [(t, "fr") for t in FR_NEUTRAL]
)
def test_questions_are_neutral(text, language):
    assert abs(score_sentiment(text, language)) < 0.3


@pytest.mark.parametrize("text", FR_NEGATIVE)
def test_french_complaints_are_negative(text):
    assert sentiment_label(score_sentiment(text, "fr")) == "negative"


@pytest.mark.parametrize("text", FR_POSITIVE)
def test_french_praise_is_positive(text):
    assert sentiment_label(score_sentiment(text, "fr")) == "positive"


def test_english_negation_flips():
    assert score_sentiment("good", "en") > 0
    assert score_sentiment("not good", "en") < 0
    assert score_sentiment("this isn't good at all", "en") < 0
    assert score_sentiment("never happy with them", "en") < 0
    assert score_sentiment("no problem at all", "en") > 0


def test_french_negation_flips():
    assert score_sentiment("c'est bon", "fr") > 0
    assert score_sentiment("ce n'est pas bon", "fr") < 0
    assert score_sentiment("je ne recommande pas", "fr") < 0
    assert score_sentiment("jamais content", "fr") < 0
    assert score_sentiment("sans problème", "fr") > 0
    assert score_sentiment("pas terrible", "fr") < 0
    # Our choice: "pas mal" is mildly positive, as French speakers mean it.
    assert 0 < score_sentiment("pas mal", "fr") < 0.5


def test_boosters_and_dampeners():
    assert score_sentiment("very good", "en") > score_sentiment("good", "en")
    assert score_sentiment("extremely bad", "en") < score_sentiment("bad", "en")
    assert 0 < score_sentiment("slightly good", "en") < score_sentiment("good", "en")
    assert score_sentiment("très déçu", "fr") < score_sentiment("déçu", "fr")
    assert score_sentiment("vraiment génial", "fr") > score_sentiment("génial", "fr")


def test_but_weights_the_clause_after_it():
    assert score_sentiment("The food is good but the service is terrible", "en") < 0
    assert score_sentiment("The service is terrible but the food is good", "en") > 0
    assert score_sentiment("Beau design mais batterie nulle", "fr") < 0
    assert score_sentiment("Batterie nulle mais beau design", "fr") > 0


def test_caps_and_exclamations_emphasize():
    assert score_sentiment("this is GREAT", "en") > score_sentiment("this is great", "en")
    assert score_sentiment("this is great!!!", "en") > score_sentiment("this is great", "en")
    assert score_sentiment("c'est HONTEUX", "fr") < score_sentiment("c'est honteux", "fr")


def test_accents_do_not_matter_in_french():
    assert score_sentiment("decu", "fr") == score_sentiment("déçu", "fr") < 0


def test_emoji_and_emoticons():
    assert score_sentiment("😡", "en") < 0
    assert score_sentiment("😍", "fr") > 0
    assert score_sentiment("ok :(", "en") < 0


def test_other_languages_use_the_english_scorer():
    assert score_sentiment("Mi cafetera es un scam, terrible", "es") < 0
    assert score_sentiment("Mi cafetera no funciona", "es") == 0


@pytest.mark.parametrize("language", ["en", "fr", "ar", ""])
@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀", "😡😡😡", "\x00" * 20, "good\x00bad", "great! " * 20_000, "nul " * 30_000,
     "توقفت آلة القهوة عن العمل", "זה מביש", "\ud800", "NOT GOOD!!!!!!!!"],
)  # fmt: skip
def test_sentiment_never_raises_and_stays_in_range(text, language):
    score = score_sentiment(text, language)
    assert -1.0 <= score <= 1.0
    assert sentiment_label(score) in {"negative", "neutral", "positive"}


@pytest.mark.parametrize(
    ("score", "label"),
    [(-1, "negative"), (-0.05, "negative"), (-0.04, "neutral"), (0, "neutral"),
     (0.04, "neutral"), (0.05, "positive"), (1, "positive")],
)  # fmt: skip
def test_label_thresholds(score, label):
    assert sentiment_label(score) == label
