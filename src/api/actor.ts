import { ForbiddenError } from './errors.js';

/*
 * Who a request acts for. The hosted console's API (a Cognito authorizer in front of the same
 * handler) passes the signed-in person's ID-token claims; the IAM API and the local server pass
 * none, and there the body names the person as before.
 */

/** The ID-token claims API Gateway's Cognito authorizer puts in `requestContext.authorizer.claims`. */
export type CognitoClaims = Readonly<Record<string, unknown>>;

/** The body field that names who does a command. */
export type ActorField = 'by' | 'author' | 'requestedBy';

/**
 * The signed-in person the claims name: their email, else their Cognito user name; undefined
 * without claims (IAM or local token callers).
 *
 * @example signedInPerson({ email: 'ana@example.com', 'cognito:username': 'ana' }) // 'ana@example.com'
 */
export function signedInPerson(claims: CognitoClaims | undefined | null): string | undefined {
  for (const key of ['email', 'cognito:username']) {
    const value = claims?.[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/**
 * The body with the signed-in person as its actor: a body that leaves `field` out gets the
 * person; one that names the same person is unchanged; one that names someone else is refused
 * (403), so nobody can stop, block, override or approve in another person's name. Without a
 * signed-in person (IAM, local token) the body is returned as it came.
 *
 * @example actAs({ reason: 'bad' }, 'by', 'ana@example.com') // { reason: 'bad', by: 'ana@example.com' }
 */
export function actAs(body: unknown, field: ActorField, person: string | undefined): unknown {
  if (person === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const named = (body as Record<string, unknown>)[field];
  if (named === undefined || (typeof named === 'string' && named.trim() === '')) {
    return { ...body, [field]: person };
  }
  if (typeof named === 'string' && named.trim() === person) return body;
  throw new ForbiddenError(
    `body.${field} is ${JSON.stringify(named)} but you are signed in as ${JSON.stringify(person)}: ` +
      `the console records the signed-in person; leave "${field}" out or set it to ${JSON.stringify(person)}`,
  );
}
