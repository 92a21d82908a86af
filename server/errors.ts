import { InvalidRequest, SourceRequestError, StatementRefused, UnreadableValue, type Fault } from '../connectors/errors.js';

/**
 * Every error a client may see comes from this registry: a stable API code (API.md), an HTTP
 * status for transports that use one, and for BAD_USER_INPUT the list of faults with their paths.
 * Anything thrown that is not an AppError is a defect and is masked at the edge.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SOURCE_UNAVAILABLE'
  | 'QUOTA_EXCEEDED';

const statusOf: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SOURCE_UNAVAILABLE: 503,
  QUOTA_EXCEEDED: 429,
};

/** Dotted path into the input, e.g. `input.recordSchema.properties.age.type`, and what is wrong there. */
export type FaultDetail = Fault;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: FaultDetail[];

  constructor(code: ErrorCode, message: string, details?: FaultDetail[]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = statusOf[code];
    if (details) this.details = details;
  }
}

export const unauthenticated = (message = 'Authentication required: send a valid Bearer token.') =>
  new AppError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);
export const badInput = (message: string, details?: FaultDetail[]) =>
  new AppError('BAD_USER_INPUT', message, details ?? []);
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const sourceUnavailable = (message: string) => new AppError('SOURCE_UNAVAILABLE', message);
export const quotaExceeded = (message: string) => new AppError('QUOTA_EXCEEDED', message);

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/** The `extensions` a client sees of a domain error, on every transport: its code and, for BAD_USER_INPUT, its faults. */
export function errorExtensions(error: AppError): { code: ErrorCode; details?: FaultDetail[] } {
  return error.details ? { code: error.code, details: error.details } : { code: error.code };
}

export interface ErrorBody {
  errors: [{ message: string; extensions: { code: string; details?: FaultDetail[] } }];
}

/**
 * The one wire form of an error outside GraphQL (plain HTTP routes), shaped like a GraphQL error
 * answer so clients read both alike. What toAppError does not know is a defect: it says no more
 * than "Unexpected error.", and the caller logs it.
 */
export function errorResponse(error: unknown, status?: number): { status: number; body: ErrorBody } {
  const known = toAppError(error);
  if (!known) return { status: 500, body: { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } };
  return { status: status ?? known.status, body: { errors: [{ message: known.message, extensions: errorExtensions(known) }] } };
}

/**
 * The API error a thrown error stands for, or null when it is a defect (to be masked and logged).
 * Every edge turns errors into answers through this, so the connector contract's errors map onto
 * the registry here and nowhere else: an invalid request and a value the source refuses are the
 * client's BAD_USER_INPUT; a value the source holds but cannot be read is SOURCE_UNAVAILABLE for
 * this read alone; NotSupported is the engine's defect, like any other error.
 */
export function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof InvalidRequest) return badInput(error.message, error.faults);
  if (error instanceof SourceRequestError) return badInput('The source refused a value of the request.', [{ path: 'where', message: error.message }]);
  if (error instanceof UnreadableValue) return sourceUnavailable(unreadableMessage(error));
  if (error instanceof StatementRefused) {
    return sourceUnavailable("The source cannot run this read: its schema no longer matches the dataset's record schema (a column of another type, or one gone). The dataset's health says where; its stewards can correct either.");
  }
  return null;
}

/** Names the field and type, never the value: it is the source's data, which may be personal. */
function unreadableMessage(error: UnreadableValue): string {
  const where = error.field === null ? `a ${error.type} field` : `the field ${error.field} (${error.type})`;
  return `The source holds a value in ${where} that cannot be read as its type, so this read stopped there. Leave that row out with a filter, or ask the dataset's stewards to correct the value or the record schema.`;
}
