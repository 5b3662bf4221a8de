// The one error class of the package. The wasm module and this wrapper may load
// this file twice (wasm-bindgen copies it into pkg/snippets), so the class is kept
// in a global registry: both copies then hand out the same constructor and
// `instanceof PkceError` holds whichever copy threw.
const KEY = Symbol.for("pkce-wasm/PkceError");

class PkceErrorImpl extends Error {
  /**
   * @param {string} code stable machine-readable code (see README "Errors")
   * @param {string} message human-readable; never contains a secret
   * @param {object} [details] `error`, `errorDescription`, `errorUri`, `status`, `cause`
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

export const PkceError = globalThis[KEY] || (globalThis[KEY] = PkceErrorImpl);

/** Builds a PkceError; used by the wasm module so it never formats JS objects itself. */
export function makePkceError(code, message, error, errorDescription, errorUri, status, field) {
  return new PkceError(code, message, { error, errorDescription, errorUri, status, field });
}
