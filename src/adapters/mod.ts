/**
 * Input and output adapters: wire formats (JSON, CSV/dataframes, tensors, images, files, text) ↔ items that
 * API code receives, and results ↔ JSON or CSV.
 *
 * @module
 */
export * from "./frame.ts";
export * from "./csv.ts";
export * from "./dataframe_input.ts";
export * from "./dataframe_output.ts";
export * from "./json_value.ts";
export * from "./nested.ts";
export * from "./json_input.ts";
export * from "./json_output.ts";
export * from "./string_input.ts";
export * from "./file_input.ts";
export * from "./tensor_input.ts";
export * from "./image_decode.ts";
export * from "./image_input.ts";
export * from "./onnx_feeds_input.ts";
export * from "./tensor_rows.ts";
export * from "./feature_table_input.ts";
