/**
 * A small convolutional network trained on scikit-learn's 8x8 digits (upscaled to 28x28), exported from
 * PyTorch. PNG or JPEG images in (raw body, multipart or base64 JSON), the digit and class probabilities out.
 *
 * Pack it:  obento pack bundles/digits_cnn/service.ts --artifact model=bundles/digits_cnn/digits_cnn.onnx
 */
import { defineService, ImageInput, OnnxModelArtifact, stackTensors } from "../../mod.ts";

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export default defineService({
  name: "DigitsCNN",
  doc: "Recognises a handwritten digit (0-9) in a grayscale or colour image; any size, resized to 28x28.",
  artifacts: { model: new OnnxModelArtifact() },
}).api(
  "classify",
  {
    // Same preprocessing as training (bundles/digits_cnn/preprocess.json): gray, 28x28, (x/255 - 0.5) / 0.5.
    input: new ImageInput({ layout: "chw", channels: 1, width: 28, height: 28, mean: [0.5], std: [0.5] }),
    batch: true,
    doc: "Per image: { digit, probabilities, logits }.",
  },
  async (images, { artifacts }) => {
    const { logits } = await artifacts.model.run({ image: stackTensors(images) });
    const all = logits.data as Float32Array;
    return images.map((_, i) => {
      const row = all.subarray(i * 10, i * 10 + 10);
      const probabilities = softmax(row);
      return {
        digit: probabilities.indexOf(Math.max(...probabilities)),
        probabilities,
        logits: Array.from(row),
      };
    });
  },
);
