/**
 * The API's bearer-token check, in constant time: how long a comparison takes depends on the expected
 * token's length only, never on how many leading characters a guess got right, so response timing tells an
 * attacker nothing about the token.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A check of `Authorization` headers against one token (made once, when the app is built). */
export type BearerCheck = (authorization: string | null) => boolean;

/**
 * Makes the check for `token`: true only for the header `Bearer <token>`, exactly.
 *
 * @param token The token API routes require.
 * @returns A function of the request's `Authorization` header (null when absent).
 *
 * @example
 * ```ts
 * import { bearerCheck } from "./bearer_token.ts";
 * const matches = bearerCheck("s3cret-token");
 * console.log(matches("Bearer s3cret-token"), matches("Bearer s3cret-tokeN"), matches(null)); // true false false
 * ```
 */
export function bearerCheck(token: string): BearerCheck {
  const expected = encoder.encode(`Bearer ${token}`);
  return (authorization) => {
    const given = encoder.encode(authorization ?? "");
    // Every byte of `expected` is looked at whatever `given` holds; a length mismatch is folded in too.
    let diff = given.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ (i < given.length ? given[i] : 0);
    return diff === 0;
  };
}
