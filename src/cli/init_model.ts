/**
 * The small ONNX model `obento init` copies into a new project, embedded so the compiled binary (which has no
 * source tree on disk) can write it: `bundles/iris_classifier/iris_lr.onnx`, scikit-learn's iris logistic
 * regression (inputs: `input` float32 [N, 4]; outputs: `label` int64 [N], `probabilities` float32 [N, 3]).
 * `init_model_test.ts` checks that it is byte for byte that file.
 *
 * @module
 */

const BASE64 = [
  "CAcSDW9iZW50by1leHBvcnQ6/gIKIQoFaW5wdXQKBGNvZWYSAnh3GgZtYXRtdWwiBk1hdE11bAohCgJ4dwoJaW50ZXJjZXB0EgZs",
  "b2dpdHMaA2FkZCIDQWRkCjYKBmxvZ2l0cxINcHJvYmFiaWxpdGllcxoHc29mdG1heCIHU29mdG1heCoLCgRheGlzGAGgAQIKRAoN",
  "cHJvYmFiaWxpdGllcxIFbGFiZWwaBmFyZ21heCIGQXJnTWF4KgsKBGF4aXMYAaABAioPCghrZWVwZGltcxgAoAECEgdpcmlzX2xy",
  "Kj4IBAgDEAFCBGNvZWZKMEbM2L79zwg/0U7jvQ6mdz+Uk6S+RFwlv7QXIcD2/lK+o0cuQDQqir9d13G/8YoBQCodCAMQAUIJaW50",
  "ZXJjZXB0SgwylB1BBRsPQPNaQcFaGAoFaW5wdXQSDwoNCAESCQoDEgFOCgIIBGIgCg1wcm9iYWJpbGl0aWVzEg8KDQgBEgkKAxIB",
  "TgoCCANiFAoFbGFiZWwSCwoJCAcSBQoDEgFOQgQKABAN",
].join("");

/** The iris logistic regression's ONNX bytes (408 bytes). */
export function irisModelBytes(): Uint8Array {
  return Uint8Array.from(atob(BASE64), (c) => c.charCodeAt(0));
}
