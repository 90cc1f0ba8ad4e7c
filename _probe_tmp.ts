import * as ort from "onnxruntime-web";
ort.env.wasm.numThreads = Number(Deno.args[0] ?? 1);
const f = Deno.args[1] ?? "tests/fixtures/mlp_784.onnx";
console.log("create", performance.now().toFixed(0));
const s = await ort.InferenceSession.create(await Deno.readFile(f));
console.log("created", performance.now().toFixed(0));
const x = new Float32Array(256*784).map(() => Math.random());
const t = new ort.Tensor("float32", x, [256, 784]);
for (let i = 0; i < 3; i++) { await s.run({ input: t }); console.log("warm", i, performance.now().toFixed(0)); }
