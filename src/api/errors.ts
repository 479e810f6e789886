import { BreakwaterError } from '../core/errors.js';

/*
 * Errors only the HTTP edge raises. The domain errors (InvalidInputError, NotFoundError,
 * ConflictError) cover 400, 404 and 409; these name the other refusals the API makes.
 */

/** The request is not signed, or the signature does not match (401). */
export class UnauthorizedError extends BreakwaterError {}

/** The caller may not do this, whatever the input (403): approving their own expedite request. */
export class ForbiddenError extends BreakwaterError {}

/** The request is well-formed but asks for something the rules refuse (422). */
export class UnprocessableError extends BreakwaterError {}

/** The request body is of a content type the handler does not read (415). */
export class UnsupportedMediaTypeError extends BreakwaterError {}

/** The request body is larger than the handler accepts (413). */
export class PayloadTooLargeError extends BreakwaterError {
  constructor(
    readonly receivedBytes: number,
    readonly maxBytes: number,
  ) {
    super(`request body is ${receivedBytes} bytes; the limit is ${maxBytes} bytes`);
  }
}
