/**
 * A text example: a bag-of-words logistic regression (ONNX) plus its vocabulary (a JSON artifact). The API
 * function does the pre-processing (tokenize, count) and post-processing (label names) around the model.
 *
 * Pack it:  obento pack bundles/text_topic/service.ts \
 *             --artifact model=bundles/text_topic/text_topic.onnx --artifact vocab=bundles/text_topic/vocab.json
 */
import { defineService, JsonArtifact, OnnxModelArtifact, StringInput } from "../../mod.ts";
import { tokenize } from "./tokenize.ts";

interface Vocabulary {
  unk: number;
  words: Record<string, number>;
  labels: string[];
}

export default defineService({
  name: "TextTopic",
  doc: "Tells whether a sentence is about sports, cooking or computers.",
  artifacts: { model: new OnnxModelArtifact(), vocab: new JsonArtifact<Vocabulary>() },
}).api(
  "classify",
  { input: new StringInput(), batch: true, doc: "Per text: { topic, probabilities: { <topic>: p } }." },
  async (texts, { artifacts, tasks }) => {
    const { words, unk, labels } = artifacts.vocab;
    const size = Object.keys(words).length;
    const counts = new Float32Array(texts.length * size);
    texts.forEach((text, row) => {
      const tokens = tokenize(text);
      if (tokens.length === 0) tasks[row].discard(400, "text has no words to classify");
      for (const token of tokens) counts[row * size + (words[token] ?? unk)] += 1;
    });
    const { probabilities } = await artifacts.model.run({
      counts: { type: "float32", dims: [texts.length, size], data: counts },
    });
    const p = probabilities.data as Float32Array;
    return texts.map((_, row) => {
      const scores = labels.map((_, k) => p[row * labels.length + k]);
      const best = scores.indexOf(Math.max(...scores));
      return { topic: labels[best], probabilities: Object.fromEntries(labels.map((l, k) => [l, scores[k]])) };
    });
  },
);
