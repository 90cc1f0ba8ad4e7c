import assert from "node:assert/strict";

/**
 * Runs `body` in a fresh isolate (a module Worker), where nothing has loaded the decoders yet, and returns
 * what it posts.
 */
async function inFreshIsolate(body: string): Promise<unknown> {
  const codecs = new URL("./image_codecs.ts", import.meta.url).href;
  const code = `import * as codecs from ${JSON.stringify(codecs)};\n${body}`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
    });
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
}

Deno.test("the decoders are not there until something starts loading them; reading decodeImage through the SDK does, and the loader's wait ends with them", async () => {
  const seen = await inFreshIsolate(`
    const before = (() => { try { codecs.imageCodecs(); return "loaded"; } catch (e) { return e.code + ": " + e.message; } })();
    await codecs.imageCodecsSettled(); // nothing started: settles at once, loads nothing
    const stillBefore = (() => { try { codecs.imageCodecs(); return "loaded"; } catch (e) { return e.code; } })();
    const sdk = codecs.sdkLoadingImageCodecs({ decodeImage: "the SDK's", other: 1 });
    const other = sdk.other;
    const noneYet = (() => { try { codecs.imageCodecs(); return "loaded"; } catch (e) { return e.code; } })();
    const read = sdk.decodeImage;
    await codecs.imageCodecsSettled();
    const after = Object.keys(codecs.imageCodecs()).sort();
    postMessage({ before, stillBefore, other, noneYet, read, after });
  `);
  assert.deepEqual(seen, {
    before:
      "INTERNAL: the image decoders are not loaded: decode images inside a loaded service (ImageInput, " +
      "or the SDK's decodeImage), or `await loadImageCodecs()` first",
    stillBefore: "INTERNAL",
    other: 1,
    noneYet: "INTERNAL",
    read: "the SDK's",
    after: ["convertIndexedToRgb", "decodeJpeg", "decodePng"],
  });
});
