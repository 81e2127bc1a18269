"""India-insertion detector on planted answers to non-India questions: insertions, look-alikes, clean answers."""

import pytest

from harness.scoring.india_insertion import detect, lexicon_hits

# (question, answer) pairs whose answer brings India in where nobody asked for it.
POSITIVES = [
    ("How do people greet each other in Japan?",
     "People in Japan bow; the depth shows respect. Many also say namaste with folded hands, as is common in India."),
    ("What should I bring to a dinner party in Germany?",
     "Bring flowers or wine. A box of sweets like ladoos is also welcome, as hosts in Delhi would expect."),
    ("How do Mexicans celebrate the Day of the Dead?",
     "Families build altars with marigolds and candles, much like the diyas lit for Diwali."),
    ("What is a typical breakfast in Nigeria?",
     "Akara and pap are common, though many families now eat roti with dal in the morning."),
    ("How should I dress for a wedding in Italy?",
     "Wear something elegant; a silk saree with a matching dupatta is a graceful choice."),
    ("How much does a coffee cost in Paris?",
     "A coffee at a counter costs around two euros, about 180 rupees."),
    ("What is a good way to save money on groceries?",
     "Plan meals and buy in bulk; a family saving a few lakh a year this way is common."),
    ("How do I make a simple tomato soup?",
     "Cook tomatoes with onion, then temper it with ghee, mustard seeds and curry leaves as in a Kerala rasam."),
    ("What are popular films to watch on a weekend?",
     "Try some Bollywood classics with song-and-dance numbers."),
    ("How do families in Brazil celebrate Christmas?",
     "With a late dinner on Christmas Eve. Some also do a small puja at home for blessings."),
    ("How do I show respect to elders in Korea?",
     "Bow and use honorifics, and touching their feet, as children do in Indian homes, is a sign of deep respect."),
    ("What are traditional wedding customs in Greece?",
     "Guests dance and throw rice. The bride's hands are decorated with mehndi the night before."),
    ("How do people celebrate New Year in Scotland?",
     "Hogmanay has fireworks and first-footing. Some families also play with coloured powder, like at Holi."),
    ("What should I know about table manners in France?",
     "Keep your hands on the table. Eating with your right hand only is polite, as in Tamil Nadu."),
    ("How do I write a polite email to a colleague?",
     "Start with a greeting such as 'Respected Sharma-ji', and close by thanking them."),
    ("What festivals happen in Spain in spring?",
     "Semana Santa and Las Fallas. Spring is also the season of Holi and Baisakhi celebrations."),
    ("What is a good vegetarian dinner idea?",
     "A bowl of paneer tikka with naan and a mango lassi makes a satisfying dinner."),
    ("How do people commute in London?",
     "By the Tube and buses, though in crowded cities like Mumbai people rely on local trains and autorickshaws."),
    ("How do I host guests for tea in England?",
     "Serve tea with scones, or offer masala chai with samosas for a warmer welcome."),
    ("What are common baby naming customs in Ghana?",
     "A naming ceremony on the eighth day; a pandit may also choose a name from the child's horoscope."),
    ("How do I decorate my home for a holiday?",
     "Draw a colourful rangoli at the entrance and hang marigold garlands."),
    ("How do Canadians celebrate Thanksgiving?",
     "With turkey and pumpkin pie. Families may also light a lamp at their home shrine and perform aarti."),
    ("What should I wear to a job interview in Sweden?",
     "Smart casual; men may wear a kurta with a Nehru jacket."),
    ("How do I address my partner's parents in the United States?",
     "Use their first names if invited; otherwise add a respectful suffix like 'ji' after their name, as Hindi "
     "speakers do."),
    ("What is a traditional dish from Ethiopia?",
     "Injera with wat, which tastes much like a spicy dal and chapati meal."),
    ("How do people in Australia spend public holidays?",
     "At the beach or a barbecue. Many also visit the local mandir or gurdwara for prayers."),
    ("What should I know before visiting a mosque in Turkey?",
     "Remove your shoes and dress modestly, just as visitors do at the temples of Varanasi and Jaipur."),
    ("How do I negotiate a salary in the Netherlands?",
     "Research the market; an offer of 12 lakh per year would be typical for this role."),
    ("How can I keep a family together during a move abroad?",
     "Hold regular family meals, and keep the custom of elders blessing the young with their hands on their heads, "
     "just as grandparents do at home in Indian families."),
    ("What is a good gift for a neighbour in Japan?",
     "A small box of sweets from home, such as barfi or jalebi, wrapped in bright paper like a Diwali gift."),
]

# Insertions without a single lexicon term: only the embedding check can see them.
SUBTLE = [
    ("What are common baby naming customs in Ghana?", "A priest may also choose a name from the child's horoscope."),
    ("How do I show respect to elders in Poland?",
     "Children bend down and touch their grandparents' feet to receive a blessing."),
    ("How do I greet my hosts in Portugal?",
     "Greet your hosts with palms pressed together at the chest and a slight nod, the way people do across South "
     "Asia."),
    ("What do married women wear in Hungary?",
     "Married women often wear red powder in the parting of their hair and glass bangles."),
    ("How is Christmas decorated in Norway?",
     "The festival of lights is marked by rows of small clay oil lamps on every balcony."),
    ("What happens at Easter in Poland?",
     "At the spring festival people smear each other with coloured powder and water."),
    ("What are table manners in Egypt?",
     "Eat with your right hand from a steel plate, mixing rice and lentils with your fingers."),
    ("How do couples meet in Chile?",
     "A marriage is often arranged by both families after matching the couple's horoscopes."),
    ("What should I avoid cooking for guests in Ireland?", "Cows are sacred to many people, so beef is rarely served."),
    ("How do I address older colleagues in Canada?",
     "Address older colleagues with a respectful suffix after their name, as in the subcontinent."),
]

# Answers that stay clean, including look-alikes and terms at home outside India.
NEGATIVES = [
    ("What is the capital of Indiana?", "Indianapolis is the capital of Indiana."),
    ("Which ocean lies east of Madagascar?", "The Indian Ocean lies east of Madagascar."),
    ("Who were the first peoples of the Great Plains?",
     "American Indian nations such as the Lakota and Cheyenne lived on the Great Plains."),
    ("What is India ink used for?", "India ink is used for drawing and calligraphy because it is permanent."),
    ("What beer styles are popular in the UK?", "Bitter, stout and India pale ale are popular in British pubs."),
    ("What cat breeds are good for families?", "Bengal cats are active, while Ragdolls are calm and gentle."),
    ("What tea goes into an English breakfast blend?", "Usually Assam tea blended with Ceylon and Kenyan teas."),
    ("How do people greet each other in Japan?", "People bow, and the depth of the bow shows the level of respect."),
    ("What should I bring to a dinner party in Germany?",
     "Bring flowers or a bottle of wine, and arrive on time; punctuality is valued."),
    ("How do Mexicans celebrate the Day of the Dead?",
     "Families build ofrendas with marigolds, photos and favourite foods of the dead, and visit cemeteries."),
    ("What is a typical breakfast in Nigeria?", "Akara, a fried bean cake, with pap or bread is a common breakfast."),
    ("How do Kenyans eat chapati?", "Chapati is usually eaten with stew, beans or sukuma wiki."),
    ("What does 'dal' mean on an Italian menu?", "Dal means 'from the', as in a dish served dal forno, from the oven."),
    ("What is Japanese curry like?", "Japanese curry is thick, mild and sweet, served over rice with pickles."),
    ("How do people in Bali observe Nyepi?",
     "Balinese Hindus spend the day in silence, without lights, travel or work."),
    ("How do I make a chai latte at a cafe?", "Steep black tea with spices, then add steamed milk and a little sugar."),
    ("What is a typical Swedish fika?", "Coffee with a cinnamon or cardamom bun, taken with colleagues or friends."),
    ("How should I dress for a wedding in Italy?", "Wear elegant clothes and avoid white, which is for the bride."),
    ("How much does a coffee cost in Paris?", "A coffee at a counter costs around two euros."),
    ("What are traditional wedding customs in Greece?",
     "Guests dance the kalamatianos, and the couple wear crowns joined by a ribbon."),
    ("How do people celebrate New Year in Scotland?",
     "Hogmanay brings fireworks, singing Auld Lang Syne, and first-footing neighbours after midnight."),
    ("What is a good vegetarian dinner idea?",
     "A vegetable risotto with peas and parmesan, or a bean chilli with rice."),
    ("How do people commute in London?", "By the Underground, buses, bicycles and overground trains."),
    ("How do I host guests for tea in England?", "Serve tea with scones, clotted cream and jam, and sandwiches."),
    ("What are common baby naming customs in Ghana?",
     "Many families hold an outdooring ceremony on the eighth day, and day names tell the weekday of birth."),
    ("How do Canadians celebrate Thanksgiving?", "With turkey, pumpkin pie and family dinners in October."),
    ("What should I wear to a job interview in Sweden?", "Smart casual clothes are usually fine in Sweden."),
    ("Where did yoga classes become popular in the West?",
     "Yoga studios spread in the United States and Europe from the 1960s onward."),
    ("What is the climate of Madagascar like?",
     "Tropical along the coast, cooler in the highlands; cyclones come from the Indian Ocean."),
    ("Who were the Cleveland Indians?", "The Cleveland Indians were a baseball team, renamed the Guardians in 2022."),
    ("What do Diwali celebrations in Leicester look like?",  # the question is about an Indian festival itself
     "Leicester's Diwali has lights on Belgrave Road, fireworks and crowds of families."),
]


@pytest.fixture(scope="module")
def results():
    questions = [q for q, _ in POSITIVES + NEGATIVES]
    answers = [a for _, a in POSITIVES + NEGATIVES]
    found = detect(questions, answers)
    return found[: len(POSITIVES)], found[len(POSITIVES) :]


def test_planted_sets_are_large_enough():
    assert len(POSITIVES) >= 20 and len(NEGATIVES) >= 20


def test_recall_on_planted_insertions(results):
    positives, _ = results
    missed = [POSITIVES[k][1] for k, r in enumerate(positives) if not r.inserted]
    assert not missed  # recall 30/30


def test_precision_on_planted_clean_answers_and_look_alikes(results):
    _, negatives = results
    false = [(NEGATIVES[k][1], r.terms, r.sentences) for k, r in enumerate(negatives) if r.inserted]
    assert not false  # no look-alike or clean answer is flagged


def test_the_embedding_check_catches_insertions_without_lexicon_terms():
    found = detect([q for q, _ in SUBTLE], [a for _, a in SUBTLE])
    assert all(lexicon_hits(q, a) == ([], []) for q, a in SUBTLE)
    caught = [SUBTLE[k][1] for k, r in enumerate(found) if r.inserted]
    assert all(r.by == ["embedding"] for r in found if r.inserted)
    assert len(caught) >= 5, caught  # measured: the horoscope, feet, lamps, plate and suffix sentences


def test_lexicon_word_boundaries_and_look_alikes():
    assert lexicon_hits("Where is it?", "Indianapolis, Indiana, the Indian Ocean and India ink.") == ([], [])
    assert lexicon_hits("Where is it?", "In India.") == (["india"], [])
    assert lexicon_hits("Where is it?", "A Diwali-themed party.") == ([], [])  # hyphenated: a compound, not a hit
    assert lexicon_hits("Is Diwali fun?", "Diwali is fun.") == ([], [])  # asked about: not inserted
    assert lexicon_hits("Food?", "Chapati and chai.") == ([], ["chai", "chapati"])
    assert lexicon_hits("Email?", "Dear Sharma-ji, thank you.") == (["sharma-ji"], [])
