/** The JSON body Twilio returns for every error. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
  /** Only authentication errors carry it. */
  detail?: string;
}

/**
 * The one error type of the HTTP surface. Anything thrown as a TwilioError is rendered by the
 * central error handler as Twilio's envelope with `status` mirrored in the status line.
 */
export class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'TwilioError';
  }

  /** The wire body: `{code, message, more_info, status}` (+ `detail` for auth errors). */
  toBody(): TwilioErrorBody {
    const body: TwilioErrorBody = {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
    };
    if (this.detail !== undefined) body.detail = this.detail;
    return body;
  }
}

/** 400 with a Twilio error code: the shape of almost every validation failure. */
export const badRequest = (code: number, message: string): TwilioError =>
  new TwilioError(400, code, message);

/** 404 / 20404 with Twilio's wording, naming the path that was requested. */
export const notFound = (path: string): TwilioError =>
  new TwilioError(404, 20404, `The requested resource ${path} was not found`);

/** 401 / 20003. Twilio adds a `detail` key to authentication errors only. */
export const unauthorized = (message = 'Authentication Error - invalid username'): TwilioError =>
  new TwilioError(401, 20003, message, 'Your AccountSid or AuthToken was incorrect.');

/** Seconds a client is told to wait (`Retry-After`) before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * 503 / 20503 while the store cannot take writes (a full disk, a read-only database, a lost
 * database connection). Twilio's 20503 is "Service unavailable: The requested Twilio Service is
 * temporarily unavailable", to be retried "a few times with exponential back-off"
 * (twilio.com/docs/api/errors/20503); the central handler adds a `Retry-After` header.
 */
export const serviceUnavailable = (): TwilioError =>
  new TwilioError(
    503,
    20503,
    'Service unavailable: storage is temporarily unable to save changes; retry later',
  );
