/**
 * The fuzz targets at CI size ({@link CI_RUNS} inputs per property); `deno task fuzz` runs the same
 * properties with 100,000 each.
 */
import { CI_RUNS } from "./property.ts";
import { TARGETS } from "./targets.ts";

for (const target of TARGETS) {
  Deno.test(`fuzz ${target.name}: every input is accepted or refused with a one-line ObentoError (4xx; BAD_BUNDLE for bento.yaml)`, async () => {
    const reports = await target.run({ runs: CI_RUNS });
    for (const r of reports) {
      if (r.runs !== CI_RUNS) throw new Error(`${r.name}: ran ${r.runs} inputs, expected ${CI_RUNS}`);
    }
  });
}
