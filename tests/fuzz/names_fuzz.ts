/**
 * Fuzz target `names`: bundle, service and API names, versions and bundle references. Properties: any value is
 * accepted or refused with a 400 (an API name: BAD_SERVICE, as a service defines it); an accepted reference
 * formats back to itself.
 *
 * @module
 */
import fc from "fast-check";
import assert from "node:assert/strict";
import { formatBundleRef, parseBundleRef } from "../../src/registry/bundle_ref.ts";
import { validateIdentifier, validateName, validateVersion } from "../../src/sdk/names.ts";
import {
  anyText,
  type FuzzRun,
  type FuzzTarget,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

const nameText = fc.oneof(
  textOf("aZ9_.-:/\\ ", 70),
  fc.constantFrom("latest", "..", "a..b", "a".repeat(63), "a".repeat(64), "a".repeat(128), "a".repeat(129)),
  anyText,
);

/** The names target. */
export const namesTarget: FuzzTarget = {
  name: "names",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    const anyValue = fc.oneof(nameText, fc.anything());
    return [
      await runProperty("parseBundleRef", nameText, async (ref, o) => {
        const parsed = await o.of(() => parseBundleRef(ref));
        if (parsed === undefined) return;
        const back = parsed.version === undefined
          ? parsed.name
          : formatBundleRef(parsed.name, parsed.version);
        assert.deepStrictEqual(parseBundleRef(back), parsed);
        assert.ok(ref === back || ref === `${parsed.name}:latest`, `${ref} formatted as ${back}`);
      }, options),
      await runProperty("validateName / validateVersion", anyValue, async (value, o) => {
        await o.of(() => validateName(value, "bundle name"));
        await o.of(() => validateVersion(value));
      }, options),
      await runProperty(
        "validateIdentifier",
        anyValue,
        async (value, o) => {
          await o.of(() => validateIdentifier(value, "API name"));
        },
        options,
        (e) => e.code === "BAD_SERVICE",
      ),
    ];
  },
};
