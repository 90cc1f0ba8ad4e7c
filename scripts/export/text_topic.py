"""Bag-of-words topic classifier (sports / cooking / computers).

Run from the project root:  /usr/bin/python3 scripts/export/text_topic.py

Writes
  bundles/text_topic/vocab.json       tokenizer rule, word -> column index ("<unk>" = 0), labels
  bundles/text_topic/text_topic.onnx  counts [N,V] float32 -> probabilities [N,3] (MatMul+Add+Softmax)
  bundles/text_topic/reference.json   10 unseen test texts with sklearn probabilities / labels

Featurisation (what a client must do): lowercase the text, split on the regex
[^a-z0-9]+, drop empty tokens, and for every token add 1 to counts[index]
where index = words[token], or words["<unk>"] = 0 when the word is unknown.
"""
import os
import re
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import linear_softmax_graph, np_softmax, path, save_model, write_json  # noqa: E402

LABELS = ["sports", "cooking", "computers"]
SEED = 0

TOPICS = {
    "sports": {
        "subj": ["the team", "our coach", "the striker", "the goalkeeper", "the players",
                 "the referee", "the runner", "the captain"],
        "verb": ["scored", "won", "kicked", "trained for", "celebrated", "lost", "played",
                 "defended"],
        "obj": ["the match", "a goal", "the league title", "the final game", "the ball",
                "the championship", "a penalty", "the tournament"],
        "tail": ["in the stadium", "after halftime", "before the season", "on the field",
                 "with the fans cheering", "in overtime"],
    },
    "cooking": {
        "subj": ["the chef", "my grandmother", "the baker", "the cook", "our kitchen staff",
                 "the recipe", "my friend", "the restaurant"],
        "verb": ["baked", "chopped", "simmered", "roasted", "seasoned", "stirred", "fried",
                 "tasted"],
        "obj": ["the bread", "fresh garlic", "a tomato sauce", "the chicken", "the onions",
                "a chocolate cake", "the soup", "some pasta"],
        "tail": ["in the oven", "with olive oil", "for dinner", "on a low heat",
                 "with salt and pepper", "in a big pan"],
    },
    "computers": {
        "subj": ["the programmer", "my laptop", "the server", "the developer", "our network",
                 "the compiler", "the software", "the database"],
        "verb": ["compiled", "crashed", "installed", "debugged", "downloaded", "rebooted",
                 "updated", "encrypted"],
        "obj": ["the code", "a new driver", "the operating system", "the keyboard firmware",
                "the memory cache", "a python script", "the files", "the cpu kernel"],
        "tail": ["on linux", "after the update", "with a usb cable", "over the wifi",
                 "in the terminal", "at boot time"],
    },
}

TEST_TEXTS = [
    "The striker scored a late goal and the fans went wild!",
    "Bake the bread in a hot oven, then add olive oil.",
    "My laptop crashed while the compiler was running on Linux.",
    "The referee gave a penalty in the final match of the tournament.",
    "Stir the tomato sauce slowly and season it with salt & pepper...",
    "The developer installed a new database server over the wifi.",
    "GOAL!!! The team WON the championship in overtime :-)",
    "Chop 3 onions; fry them with garlic until golden (about 10 min).",
    "Reboot the SERVER, update the kernel, and re-download the files?",
    "Zyxquor flibbertigibbet the blorptastic 42 quuxes — ok?!",
]

TOKEN_RE = re.compile(r"[^a-z0-9]+")


def tokenize(text):
    return [t for t in TOKEN_RE.split(text.lower()) if t]


def make_corpus(rng, per_topic=40):
    texts, ys = [], []
    for k, lab in enumerate(LABELS):
        t = TOPICS[lab]
        for _ in range(per_topic):
            s = f"{rng.choice(t['subj'])} {rng.choice(t['verb'])} {rng.choice(t['obj'])}"
            if rng.rand() < 0.7:
                s += " " + rng.choice(t["tail"])
            s = s[0].upper() + s[1:] + rng.choice([".", "!", "", "."])
            texts.append(s)
            ys.append(k)
    return texts, np.asarray(ys)


def featurize(texts, words):
    X = np.zeros((len(texts), len(words)), dtype=np.float32)
    for i, s in enumerate(texts):
        for tok in tokenize(s):
            X[i, words.get(tok, 0)] += 1.0
    return X


def main():
    rng = np.random.RandomState(SEED)
    texts, y = make_corpus(rng)
    words = {"<unk>": 0}
    for s in texts:
        for tok in tokenize(s):
            if tok not in words:
                words[tok] = len(words)
    V = len(words)
    X = featurize(texts, words)

    clf = LogisticRegression(multi_class="multinomial", max_iter=1000, random_state=SEED)
    clf.fit(X.astype(np.float64), y)
    print(f"text topic: {len(texts)} training sentences, vocab size {V}, "
          f"train accuracy {clf.score(X, y):.4f}")

    W = clf.coef_.T.astype(np.float32)
    b = clf.intercept_.astype(np.float32)
    save_model(linear_softmax_graph("text_topic", "counts", V, W, b, prob_name="probabilities"),
               path("bundles", "text_topic", "text_topic.onnx"))

    Xt = featurize(TEST_TEXTS, words)
    proba = clf.predict_proba(Xt.astype(np.float64))
    pred = clf.predict(Xt.astype(np.float64))
    d = np.abs(np_softmax(Xt @ W + b) - proba).max()
    assert d < 1e-5, d
    print(f"numpy(float32 graph) vs sklearn max abs diff {d:.2e}")
    for s, p in zip(TEST_TEXTS, pred):
        print(f"  {LABELS[p]:10s} {s}  unk={sum(1 for t in tokenize(s) if t not in words)}")

    write_json(path("bundles", "text_topic", "vocab.json"), {
        "tokenizer": "lowercase, split on [^a-z0-9]+",
        "unk": 0,
        "words": words,
        "labels": LABELS,
    })
    write_json(path("bundles", "text_topic", "reference.json"), {
        "texts": TEST_TEXTS,
        "probabilities": proba.tolist(),
        "labels": [LABELS[p] for p in pred],
    })


if __name__ == "__main__":
    main()
