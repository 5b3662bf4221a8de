// The one error class of the package.

/**
 * Every error pkce-wasm throws. `code` is stable (see README "Errors");
 * `message` is for people and never contains a verifier, code or token.
 */
export class PkceError extends Error {
  /**
   * @param {string} code stable machine-readable code
   * @param {string} message human-readable; never contains a secret
   * @param {object} [details] `error`, `errorDescription`, `errorUri`, `status`, `field`, `cause`
   */
  constructor(code, message, details) {
    super(message, details && details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = "PkceError";
    this.code = code;
    if (details) {
      for (const k of ["error", "errorDescription", "errorUri", "status", "field"]) {
        if (details[k] !== undefined && details[k] !== null) this[k] = details[k];
      }
    }
  }
}
