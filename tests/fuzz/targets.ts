/**
 * Every fuzz target, in the order `deno task fuzz` runs them.
 *
 * @module
 */
import type { FuzzTarget } from "./property.ts";
import { csvTarget } from "./csv_fuzz.ts";
import { selectorTarget } from "./selector_fuzz.ts";
import { namesTarget } from "./names_fuzz.ts";
import { bentoYamlTarget } from "./bento_yaml_fuzz.ts";
import { batchTextTarget } from "./batch_text_fuzz.ts";
import { dataframeTarget } from "./dataframe_fuzz.ts";
import { simpleInputsTarget } from "./simple_inputs_fuzz.ts";
import { tensorTarget } from "./tensor_fuzz.ts";
import { imageTarget } from "./image_fuzz.ts";
import { v2InferTarget } from "./v2_infer_fuzz.ts";

/** The targets. */
export const TARGETS: readonly FuzzTarget[] = [
  csvTarget,
  selectorTarget,
  namesTarget,
  bentoYamlTarget,
  batchTextTarget,
  dataframeTarget,
  simpleInputsTarget,
  tensorTarget,
  imageTarget,
  v2InferTarget,
];
