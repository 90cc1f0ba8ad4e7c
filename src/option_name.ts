/**
 * How a library message names one of the caller's options. A library error or HTTP message that tells the
 * caller which option to change names it through an {@link OptionNamer} the caller injects: by default the
 * option's own name (`timeoutMs`, `maxQueue`), what a `mod.ts` user wrote; the CLI passes one that names its
 * flags (`--timeout`, `--max-queue`; src/cli/option_flags.ts holds that one mapping).
 *
 * @module
 */

/** Names the library option `option` (its SDK name, e.g. `timeoutMs`) for a message. */
export type OptionNamer = (option: string) => string;

/**
 * The default {@link OptionNamer}: the option's SDK name as it is.
 *
 * @example
 * ```ts
 * import { sdkOptionName } from "./option_name.ts";
 * console.log(`${sdkOptionName("timeoutMs")} (50 ms) expired`); // timeoutMs (50 ms) expired
 * ```
 */
export const sdkOptionName: OptionNamer = (option) => option;
