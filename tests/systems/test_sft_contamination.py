from harness.records import Item
from systems.sft.contamination import Thresholds, check
from systems.sft.data import Pair

ITEMS = [
    Item(id="b1", question="My Tamil colleague invited me to her housewarming in Chennai. What should I bring?",
         reference_answer="A small gift such as sweets or fruit is customary; avoid leather items."),
    Item(id="b2", question="Is it true that every Indian wedding lasts a full week?",
         reference_answer="No. Length varies widely by community, region and budget; many weddings last one day."),
]


def pair(pid, question, answer="Some answer about customs in general terms."):
    return Pair(id=pid, messages=[{"role": "user", "content": question}, {"role": "assistant", "content": answer}])


def test_planted_duplicate_and_paraphrase_are_caught_and_clean_data_passes():
    pairs = [
        pair("dup", ITEMS[0].question),
        pair("para", "My coworker from Tamil Nadu asked me to her house-warming in Chennai; what gift should I take?"),
        pair("answer-leak", "Tell me about wedding length.",
             "No. Length varies widely by community, region and budget; many weddings last one day."),
        pair("clean", "What is the significance of the Hornbill Festival in Nagaland?"),
    ]
    report = check(pairs, ITEMS)
    by_pair = {}
    for hit in report.hits:
        by_pair.setdefault(hit.pair_id, set()).add(hit.check)
    assert "question_ngram" in by_pair["dup"] and "question_embedding" in by_pair["dup"]
    assert "question_embedding" in by_pair["para"]
    assert "answer_ngram" in by_pair["answer-leak"]
    assert "clean" not in by_pair and not report.clean


def test_thresholds_are_configurable():
    pairs = [pair("para", "My coworker from Tamil Nadu asked me to her house-warming in Chennai; what gift should I take?")]
    assert check(pairs, ITEMS, Thresholds(question_embedding=0.99)).clean
