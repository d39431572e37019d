/**
 * Typed errors of the library. Every failure a user can cause or meet names
 * the argument, file, peer or tag involved; callers can branch on the class.
 */

/** Base class: every error thrown on purpose by lutmpc is an instance. */
export class LutmpcError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The native addon could not be loaded or does not match this package. */
export class NativeLoadError extends LutmpcError {}

/** A model, program or data file is missing, truncated or malformed. */
export class FormatError extends LutmpcError {}

/** A shape, ring width or parameter does not fit what an operation accepts. */
export class ShapeError extends LutmpcError {}

/** A peer broke the protocol: unexpected tag, short read, oversized frame. */
export class ProtocolError extends LutmpcError {}

/** A peer disconnected or stopped answering. */
export class PeerError extends LutmpcError {
  constructor(
    message: string,
    readonly peer: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A wait for a peer exceeded its deadline. */
export class TimeoutError extends PeerError {}

/** A listener (HTTP API or peer link) could not open its address. */
export class ListenError extends LutmpcError {
  constructor(
    message: string,
    readonly listener: 'HTTP API' | 'peer link',
    readonly address: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
