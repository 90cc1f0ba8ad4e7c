/**
 * The constants the packer and the loader share: the `Symbol.for` key under which the host publishes the
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

/**
 * The `Symbol.for` key of the function a bundle calls, on the published SDK, for a name the SDK does not
 * have: the loader (`module_loader.ts`) installs one that throws {@link SdkNameMissingError}, so a bundle that
 * imports a name this obento no longer has fails at load, naming it, instead of loading with `undefined`.
 * Bundles packed before it existed read every name directly and are not checked (docs/bundling.md).
 */
export const SDK_MISSING_KEY = "obento.sdk.missing";
