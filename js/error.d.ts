// Types of js/error.js. The codes are those of `Code` in src/error.rs (a unit
// test checks that this union lists exactly them).

export type PkceErrorCode =
  | "invalid_config"
  | "not_initialized"
  | "storage_unavailable"
  | "crypto_unavailable"
  | "no_transaction"
  | "invalid_callback"
  | "issuer_mismatch"
  | "authorization_error"
  | "token_error"
  | "invalid_token_response"
  | "network_error"
  | "discovery_error"
  | "invalid_id_token"
  | "login_required"
  | "cancelled"
  | "dpop_error"
  | "par_error"
  | "popup_blocked"
  | "popup_timeout";

/** Every error this package throws. Messages never contain a verifier, code or token. */
export declare class PkceError extends Error {
  constructor(
    code: PkceErrorCode,
    message: string,
    details?: {
      error?: string;
      errorDescription?: string;
      errorUri?: string;
      status?: number;
      field?: string;
      cause?: unknown;
    },
  );
  readonly name: "PkceError";
  readonly code: PkceErrorCode;
  /** OAuth `error` (authorization_error, token_error, login_required). Untrusted text: render as text. */
  readonly error?: string;
  readonly errorDescription?: string;
  /** Only https values are passed on. */
  readonly errorUri?: string;
  /** HTTP status of the response at fault. */
  readonly status?: number;
  /** The configuration option, response member or claim that failed. */
  readonly field?: string;
}
