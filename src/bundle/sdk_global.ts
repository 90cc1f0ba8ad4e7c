/**
 * The one constant the packer and the loader share: the `Symbol.for` key under which the host publishes the
 * SDK before a bundled service is evaluated. In a file of its own so the loader (in every model worker) does
 * not import the bundler (esbuild, the npm resolver) for it.
 *
 * @module
 */

/**
 * The `Symbol.for` key under which the host publishes the service SDK (`src/runtime/service_sdk.ts`) before
 * importing a bundled service. Bumped (`v2`) only if a name a packed bundle may read goes away or changes
 * meaning (docs/bundling.md "The SDK a bundle gets").
 */
export const SDK_GLOBAL_KEY = "obento.sdk.v1";
