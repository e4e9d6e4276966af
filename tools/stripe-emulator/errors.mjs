// Stripe-shaped API errors. The stripe SDK turns `{error: {type: 'invalid_request_error', ...}}`
// with a 4xx status into StripeInvalidRequestError (401 → StripeAuthenticationError, etc.).

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status
   * @param {string} message
   * @param {{param?: string, code?: string, type?: string, decline_code?: string}} [details]
   */
  constructor(status, message, details = {}) {
    super(message);
    this.status = status;
    this.type = details.type ?? "invalid_request_error";
    this.param = details.param;
    this.code = details.code;
    this.decline_code = details.decline_code;
  }

  toJSON() {
    const error = { type: this.type, message: this.message };
    if (this.code) error.code = this.code;
    if (this.decline_code) error.decline_code = this.decline_code;
    if (this.param) error.param = this.param;
    if (this.code) error.doc_url = `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, "-")}`;
    return { error };
  }
}

export function notFound(kind, id, param = "id") {
  return new ApiError(404, `No such ${kind}: '${id}'`, { param, code: "resource_missing" });
}

/** A missing object referenced by another parameter is a 400 in Stripe, not a 404. */
export function missingReference(kind, id, param) {
  return new ApiError(400, `No such ${kind}: '${id}'`, { param, code: "resource_missing" });
}
