// The embedded server's API errors: the same messages and status codes as Toxiproxy 2.12's api.go,
// so a client sees `{"error": msg, "status": code}` whichever server answers.

export class ApiError extends Error {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }

  /** The real server prefixes the cause with the wrapper's message: "bad request body: EOF". */
  static wrap(wrapper: ApiError, cause: string): ApiError {
    return new ApiError(`${wrapper.message}: ${cause}`, wrapper.status);
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export const badRequestBody = new ApiError('bad request body', 400);
export const missingField = new ApiError('missing required field', 400);
export const proxyNotFound = new ApiError('proxy not found', 404);
export const proxyAlreadyExists = new ApiError('proxy already exists', 409);
export const invalidStream = new ApiError('stream was invalid, can be either upstream or downstream', 400);
export const invalidToxicType = new ApiError('invalid toxic type', 400);
export const toxicAlreadyExists = new ApiError('toxic already exists', 409);
export const toxicNotFound = new ApiError('toxic not found', 404);

/** Errors without a status of their own (a failed listen, say) are 500s, as in the real server. */
export function internalError(message: string): ApiError {
  return new ApiError(message, 500);
}
