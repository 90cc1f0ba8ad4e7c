import * as ort from "onnxruntime-web";
ort.env.wasm.numThreads = Number(Deno.args[0] ?? 1);
for (const f of ["tests/fixtures/mlp_784.onnx", "/tmp/q/mlp_int8.onnx", "/tmp/q/mlp_fp16.onnx"]) {
  let s;
  try { s = await ort.InferenceSession.create(await Deno.readFile(f)); } catch (e) { console.log(f, (e as Error).message); continue; }
  const x = new Float32Array(256*784).map(() => Math.random());
  const t = new ort.Tensor("float32", x, [256, 784]);
  let out;
  try { for (let i = 0; i < 3; i++) out = await s.run({ input: t }); } catch (e) { console.log(f, (e as Error).message); continue; }
  const times: number[] = [];
  for (let i = 0; i < 30; i++) { const t0 = performance.now(); await s.run({ input: t }); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b);
  console.log(f, "threads", Deno.args[0], "p50", times[15].toFixed(2), (out!.logits.data as Float32Array).slice(0,3));
}
