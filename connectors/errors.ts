/**
 * The errors of the connector contract. Connectors and the filter language raise only these (or
 * plain errors, which are the source's fault); the server maps them onto its API error registry
 * in one place where they cross into it (server/errors.ts `toAppError`).
 */

/** One fault of a request, with its dotted path into the input (`where.birthYear.gte`). */
export interface Fault {
  path: string;
  message: string;
}

/** A request the contract refuses as malformed: the client's fault, with every fault and its path. */
export class InvalidRequest extends Error {
  constructor(
    message: string,
    readonly faults: Fault[],
  ) {
    super(message);
    this.name = 'InvalidRequest';
  }
}

/**
 * Raised by a connector when the source refuses a value of the request (a date out of range for
 * its column type, a number too large): the client's fault, reported as BAD_USER_INPUT and never
 * counted against the source's health.
 */
export class SourceRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceRequestError';
  }
}

/**
 * Raised by a connector that was sent a request outside its declared capabilities. The engine is
 * at fault then, not the client nor the source: it is a defect, logged and masked to clients as
 * an unexpected error, and never counted against the source's health.
 */
export class NotSupported extends Error {
  constructor(what: string) {
    super(`not supported by this connector: ${what}`);
    this.name = 'NotSupported';
  }
}

/**
 * Raised by a connector when a value the source holds cannot be read as its field's type in the
 * record schema (a timestamp of `infinity` or BC for a date-time, text for a number). The
 * source's data, not its availability: the reader is told which field and type, and it never
 * counts against the source's health, since any reader could ask for such a row over and over
 * and so open the breaker for everyone.
 */
export class UnreadableValue extends Error {
  constructor(
    /** The record schema's type the value could not be read as. */
    readonly type: string,
    /** The field, where the connector knows it (a driver's type parser does not). */
    readonly field: string | null,
    detail: string,
  ) {
    super(detail);
    this.name = 'UnreadableValue';
  }
}

/**
 * Raised by a connector when the source refuses the statement built for it because its schema
 * does not match the record schema (SQLSTATE class 42: a column of another type than compared,
 * a column or table gone, a privilege withdrawn). As deterministic as an unreadable value: it
 * fails the reads whose statement touches the mismatch and never counts against the source's
 * health, or one reader filtering on such a field would open the breaker for everyone.
 */
export class StatementRefused extends Error {
  constructor(readonly sqlState: string) {
    super(`the source refused the statement (SQLSTATE ${sqlState})`);
    this.name = 'StatementRefused';
  }
}
