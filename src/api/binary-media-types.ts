/**
 * The binary media types of the REST API: with `*\/*` API Gateway hands every request body to
 * the Lambdas base64-encoded (`isBase64Encoded: true`), byte for byte. Without it, a body that is
 * not valid UTF-8 is re-encoded as text on the way, and the GitHub webhook's HMAC, computed over
 * the bytes GitHub sent, no longer matches. The handlers decode with `rawBody` (and middy's JSON
 * body parser), so they read text and base64 bodies alike; the local server passes bodies the
 * same way, so what runs locally is what runs on AWS.
 *
 * @example new apigateway.RestApi(this, 'Api', { binaryMediaTypes: [...API_BINARY_MEDIA_TYPES] })
 */
export const API_BINARY_MEDIA_TYPES: readonly string[] = ['*/*'];

/**
 * Whether API Gateway passes a body of this `Content-Type` base64-encoded, given its binary
 * media types (`*\/*`, `type/*` or an exact `type/subtype`; parameters such as `charset` are
 * ignored). A body without a content type matches only `*\/*`.
 *
 * @example isBinaryMediaType('application/json; charset=utf-8', ['application/*']) // true
 */
export function isBinaryMediaType(
  contentType: string | undefined,
  binaryMediaTypes: readonly string[] = API_BINARY_MEDIA_TYPES,
): boolean {
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const [type] = mediaType.split('/', 1);
  return binaryMediaTypes.some((pattern) => {
    const p = pattern.toLowerCase();
    return p === '*/*' || (mediaType !== '' && (p === mediaType || p === `${type}/*`));
  });
}
