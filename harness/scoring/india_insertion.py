"""India insertion: does an answer to a question that is not about India bring in Indian customs, terms or places?

Two checks, either one flags an answer:
- a lexicon, matched on word boundaries: *strong* terms (India, Indian states and cities, festivals,
  dress, dishes, Hindi/Sanskrit words, rupee, lakh, Bollywood...) flag on one hit; *weak* terms that
  are also at home elsewhere (dal is Italian "from the", chapati is Kenyan, Hindu is Balinese, chai
  and curry are global) need two distinct hits. Known look-alikes never count: Indiana, Indian
  Ocean, American/West Indian, India ink, India pale ale, Bengal cats, Assam/Darjeeling tea;
- an embedding check: an answer sentence closer (MiniLM cosine) to a prototype set of Indian
  cultural statements than ``EMBEDDING_THRESHOLD`` and closer to it than to a matched set about
  other countries (so "culture talk" alone is not a hit). The threshold was calibrated on planted
  answers (``tests/harness/test_india_insertion.py``).
A term already in the question never counts, so a question that names India is never an insertion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DETECTOR_VERSION = "1"
# Calibrated on the planted sets: the highest clean sentence scores 0.44 (Italian "dal forno"), the
# lexicon-free insertions 0.28-0.80; 0.48 / 0.10 keeps every planted clean answer unflagged.
EMBEDDING_THRESHOLD = 0.48
EMBEDDING_MARGIN = 0.10
QUESTION_THRESHOLD = 0.55  # a question this close to the prototypes is already about India

_PLACES = ("India|Delhi|New Delhi|Mumbai|Bombay|Kolkata|Calcutta|Chennai|Bengaluru|Bangalore|Hyderabad|Pune|"
           "Jaipur|Goa|Kerala|Tamil Nadu|Gujarat|Rajasthan|Maharashtra|Karnataka|West Bengal|"
           "Varanasi|Banaras|Agra|Lucknow|Kashmir|Assam|Odisha|Orissa|Bihar|Uttar Pradesh|Madhya Pradesh|"
           "Andhra Pradesh|Telangana|Himachal|Uttarakhand|Jharkhand|Chhattisgarh|Haryana|Sikkim|Nagaland|Manipur|"
           "Meghalaya|Mizoram|Tripura|Arunachal|Amritsar|Mysore|Mysuru|Kochi|Cochin|Udaipur|Jodhpur|Rishikesh|"
           "Haridwar|Darjeeling|Ganges|Ganga|Taj Mahal|Red Fort|Bollywood|Tollywood")
_STRONG_TERMS = ("Indian|Diwali|Deepavali|Holi|Navratri|Durga Puja|Pongal|Onam|Raksha Bandhan|Rakhi|Karva Chauth|"
                 "Ganesh Chaturthi|Janmashtami|Baisakhi|Vaisakhi|Lohri|namaste|namaskar|puja|pooja|aarti|"
                 "prasad|prasadam|diya|diyas|rangoli|kolam|mehndi|bindi|sindoor|mangalsutra|saree|sarees|sari|saris|"
                 "dupatta|lehenga|salwar|kameez|kurta|kurtas|sherwani|dhoti|roti|rotis|paratha|parathas|biryani|"
                 "samosa|samosas|dosa|dosas|idli|idlis|paneer|lassi|tandoori|thali|rupee|rupees|lakh|lakhs|"
                 "crore|crores|Hindi|Telugu|Marathi|Gujarati|Kannada|Malayalam|gurdwara|mandir|Brahmin|Brahmins|"
                 "ayurveda|ayurvedic|jugaad|desi|dabbawala|dabbawalas|Gandhi|Mughal|Tagore|Sikh|Sikhs|bhajan|bhajans|"
                 "Pradesh|Dalit|Dalits|pandit|pandits|[a-z]+-ji")
# Weak: at home elsewhere too (Italian "dal", Kenyan chapati, Balinese Hindus and gods, Sri Lankan
# Tamils, Pakistani Punjab, Bangladeshi Bengali, global chai and curry); two distinct ones flag.
_WEAK_TERMS = ("dal|daal|dhal|chapati|chapatis|naan|chai|masala|curry|curries|chutney|tiffin|ghee|Hindu|Hindus|"
               "caste|dharma|kirtan|henna|rickshaw|rickshaws|Urdu|Raj|basmati|tabla|sitar|Tamil|Punjab|Punjabi|"
               "Bengal|Bengali|Sanskrit|Ganesha|Ganesh|Lakshmi|Durga|Krishna|Shiva")
# Look-alikes that are not about India, removed before matching.
_NOT_INDIA = re.compile(
    r"\b(?:Indian Ocean|Indian summer|Indian ink|India ink|India rubber|India pale ale|Indian pale ale|"
    r"(?:American|West|Native|Plains|Amazonian) Indians?|Indians? tribes? of (?:North|South) America|"
    r"Bengal cats?|Assam tea|Darjeeling tea|Cleveland Indians|Indian Wells|Madras (?:plaid|check))\b",
    re.IGNORECASE)


def _pattern(terms: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{terms})(?![\w-])", re.IGNORECASE)


_STRONG = _pattern(f"{_PLACES}|{_STRONG_TERMS}")
_WEAK = _pattern(_WEAK_TERMS)

PROTOTYPES = [
    "In India, families light oil lamps and draw rangoli at the doorway for Diwali.",
    "Many Indian households greet guests with folded hands and say namaste.",
    "Touching the feet of elders is a sign of respect in Indian families.",
    "A traditional Indian meal is eaten with roti, dal and rice, often with the right hand.",
    "Women in India often wear a saree or a salwar kameez with a dupatta.",
    "Hindu families perform puja at a home shrine with flowers and incense.",
    "At Indian weddings the bride's hands are decorated with mehndi.",
    "Bollywood films with song-and-dance numbers are hugely popular across India.",
    "Prices in India are quoted in rupees, and large sums in lakhs and crores.",
    "In Indian culture, guests are offered chai and sweets as a mark of hospitality.",
    "Festivals like Holi, Navratri and Pongal are celebrated across Indian states.",
    "Visitors remove their shoes before entering a temple or gurdwara in India.",
    "In many Indian homes, elders are addressed with the respectful suffix ji.",
    "Indian vegetarian food uses lentils, paneer and spices like cumin and turmeric.",
    "Arranged marriages in India often involve both families and their horoscopes.",
    "Cities like Mumbai, Delhi and Chennai mix regional languages such as Hindi, Marathi and Tamil.",
]
CONTRASTS = [
    "In Japan, people bow when greeting and exchange business cards with both hands.",
    "Mexican families build altars with marigolds and photos for the Day of the Dead.",
    "In Nigeria, younger people greet elders respectfully, sometimes kneeling or bowing.",
    "Germans value punctuality, and shops are closed on Sundays.",
    "A traditional Italian meal has several courses, with pasta before the main dish.",
    "In China, red envelopes with money are given at the Lunar New Year.",
    "Brazilians celebrate Carnival with samba parades and street parties.",
    "In France, people greet friends with a kiss on each cheek.",
    "Prices in the United States are quoted in dollars, and tipping is expected in restaurants.",
    "In Korea, people remove their shoes when entering a home.",
    "Ethiopian coffee ceremonies roast beans and serve three rounds of coffee to guests.",
    "Ramadan is observed in Egypt with fasting from dawn to sunset and iftar meals.",
    "In Britain, afternoon tea is served with scones, clotted cream and jam.",
    "Weddings in Greece often include dancing and breaking plates.",
    "In Mexico, tortillas, beans and chili peppers are staples of everyday food.",
    "Thai people greet each other with the wai, pressing palms together and bowing slightly.",
    # cultures that share India-like words or customs, so sharing them is not a hit
    "In Kenya, chapati and ugali are eaten with stew and sukuma wiki.",
    "Japanese curry rice is a mild, sweet everyday dish.",
    "In Malaysia, roti canai is eaten with curry for breakfast.",
    "Balinese Hindus make daily offerings of flowers in palm-leaf baskets.",
    "In Vietnam, families honour ancestors at a home altar with incense.",
    "In Morocco, brides have henna applied at a party before the wedding.",
]


@dataclass
class Insertion:
    inserted: bool
    terms: list[str] = field(default_factory=list)  # lexicon hits not in the question
    sentences: list[tuple[str, float]] = field(default_factory=list)  # sentences the embedding check flagged
    by: list[str] = field(default_factory=list)  # "lexicon", "embedding"

    def details(self) -> dict:
        return {"inserted": self.inserted, "terms": self.terms, "by": self.by,
                "sentences": [[s, round(v, 4)] for s, v in self.sentences]}


def lexicon_hits(question: str, answer: str) -> tuple[list[str], list[str]]:
    """(strong, weak) distinct lexicon terms in the answer that the question does not already use."""
    asked = {m.group().lower() for p in (_STRONG, _WEAK) for m in p.finditer(_NOT_INDIA.sub(" ", question))}
    cleaned = _NOT_INDIA.sub(" ", answer)
    strong = sorted({m.group().lower() for m in _STRONG.finditer(cleaned)} - asked)
    weak = sorted({m.group().lower() for m in _WEAK.finditer(cleaned)} - asked)
    return strong, weak


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", text) if len(s.strip()) > 12]


def detect(questions: list[str], answers: list[str], embedder: str | None = None) -> list[Insertion]:
    """One ``Insertion`` per (question, answer); every sentence is embedded in one batch."""
    import numpy as np

    from harness.embedder import embed

    split = [sentences(a) for a in answers]
    flat = [s for parts in split for s in parts]
    vectors = embed(PROTOTYPES + CONTRASTS + flat, embedder) if flat else np.zeros((0, 1))
    india = vectors[: len(PROTOTYPES)]
    other = vectors[len(PROTOTYPES) : len(PROTOTYPES) + len(CONTRASTS)]
    sent = vectors[len(PROTOTYPES) + len(CONTRASTS) :]
    to_india = (sent @ india.T).max(axis=1) if len(flat) else np.zeros(0)
    to_other = (sent @ other.T).max(axis=1) if len(flat) else np.zeros(0)
    question_vectors = embed(questions, embedder) if questions else np.zeros((0, 1))
    question_india = (question_vectors @ india.T).max(axis=1) if len(questions) else np.zeros(0)
    results, cursor = [], 0
    for n, (question, answer, parts) in enumerate(zip(questions, answers, split)):
        strong, weak = lexicon_hits(question, answer)
        by = ["lexicon"] if strong or len(weak) >= 2 else []
        flagged = []
        # a question already about India (by its words or its meaning) gets no embedding hit
        asks_india = question_india[n] >= QUESTION_THRESHOLD or bool(_STRONG.search(_NOT_INDIA.sub(" ", question)))
        for k, sentence in enumerate(parts):
            sim, contrast = float(to_india[cursor + k]), float(to_other[cursor + k])
            if not asks_india and sim >= EMBEDDING_THRESHOLD and sim >= contrast + EMBEDDING_MARGIN:
                flagged.append((sentence, sim))
        cursor += len(parts)
        if flagged:
            by.append("embedding")
        results.append(Insertion(bool(by), strong + weak, flagged, by))
    return results
