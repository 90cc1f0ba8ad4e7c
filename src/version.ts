/**
 * obento's own version and the Deno version it is built and tested with.
 *
 * @module
 */

/** obento's version, recorded in every bundle. */
export const OBENTO_VERSION = "0.1.0";

/** The Deno version obento is pinned to. */
export const DENO_VERSION = "2.9.6";
