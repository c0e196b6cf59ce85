import type { Codec, RawMessage, WireData } from './codec.js';
import type { ResilientWsError } from './errors.js';
import type { Input, Reducer, State } from './machine.js';
import type { Clock } from './options.js';
import type { DiagnosticsReport } from './report.js';
import type { Snapshot } from './state.js';
import type { Link } from './transport.js';

/**
 * The one internal interface between the engine and a feature (heartbeat, outbox, lifecycle,
 * lazy mode, credential refresh). A feature is a factory the app passes to the engine; the
 * engine calls `attach` once with a {@link FeatureContext} (what a feature may ask of the
 * engine) and gets {@link FeatureHooks} back (what the engine tells the feature).
 *
 * Rules every feature follows: it changes the connection only through `dispatch` (queued while
 * a step runs, so it never interleaves with one); it keeps its timers in `timer()` (clamped,
 * guarded, cancelled at dispose); it never throws out of a hook.
 */

/** A timer owned by one feature. At most one pending callback; re-arming replaces it. */
export interface OwnedTimer {
  /** Fire at monotonic time `at` (`Infinity`: cancel). Delays beyond 2^31−1 ms are waited in steps. */
  at(at: number): void;
  /** Fire `ms` from now. */
  in(ms: number): void;
  cancel(): void;
  readonly pending: boolean;
}

/** What a feature may ask of the engine. */
export interface FeatureContext<Incoming = unknown, Outgoing = unknown> {
  readonly clock: Clock;
  readonly codec: Codec<Incoming, Outgoing>;
  /** The committed state (read-only). */
  state(): State;
  snapshot(): Snapshot;
  /** Feed an input to the engine (processed after the current step, if one is running). */
  dispatch(input: Input): void;
  /** The current link, if any. */
  link(): Link | null;
  /** The URL the latest socket was opened with, unmasked: it may carry credentials, so never log or show it. `null` before the first. */
  socketUrl(): string | null;
  /** Send a frame on the open link; false when there is none or the link refused it. */
  sendFrame(data: WireData): boolean;
  /** Deliver an event to the app's handlers (guarded; held while `createClient()` runs). */
  emit(name: 'drop' | 'rtt' | 'error', payload: unknown): void;
  /** A background failure: logged, emitted as `error`, and (with `inSnapshot`) kept in `lastError`. */
  report(error: ResilientWsError, inSnapshot?: boolean): void;
  /** A timer of this feature's own. */
  timer(callback: () => void): OwnedTimer;
  /** Subscribers plus `message` handlers: who uses the connection. */
  users(): number;
  /** Call an app callback: its throw is reported (never rethrown); returns `fallback` then. */
  guard<T>(what: string, fn: () => T, fallback: T): T;
}

/** What the engine tells a feature. Every hook is optional. */
export interface FeatureHooks<Outgoing = unknown> {
  /** After every committed step (the state may be unchanged). */
  changed?(next: State, prev: State): void;
  /**
   * Every received frame, before decoding. Return true to keep it from the app. Runs per frame:
   * keep it cheap. `event` is given only when its `timeStamp` is on the engine's clock.
   */
  frame?(data: RawMessage, event: { readonly timeStamp?: number } | undefined): boolean;
  /** Takes over `send()` for encoded messages (the outbox). */
  send?(message: Outgoing, data: WireData, ttl: number | undefined): 'sent' | 'queued' | 'rejected';
  /** `clearOutbox()`. */
  clear?(): Outgoing[];
  /** A request from the machine (`probe`, `probe-fast`). */
  notify?(name: string): void;
  /** Usage changed: a send, or a subscriber or message handler came or went. */
  usage?(): void;
  /**
   * What happened, as it happens: every event the engine and the features deliver (`open`,
   * `close`, `reconnecting`, `error`, `rtt`, `drop`…) except `message` and `status`, with its
   * payload, just before the app's handlers get it; and every browser `signal` and close
   * `notice` input (payload: the input) before it is decided. Never per message. Read-only: do not keep or change payloads.
   * A hook that throws is reported (an `InvalidOptionError` `error` event) and not called again.
   */
  observe?(name: string, payload: unknown): void;
  /** `client.diagnostics()` (the diagnostics feature). */
  diagnostics?(): DiagnosticsReport;
  /** Pure reducer for inputs the core does not handle (see `Reducer`). */
  reduce?: Reducer;
  /** Settings the machine needs from this feature. */
  readonly provides?: {
    readonly refresh?: { readonly timeout: number; readonly max: number };
    readonly lazy?: boolean;
    /** The browser's online hint when the client is created. */
    readonly online?: boolean;
  };
  /** Release everything (once, from `dispose()`). */
  dispose?(): void;
}

/** A feature: attached once per client. */
export interface Feature<Incoming = unknown, Outgoing = unknown> {
  readonly name: string;
  attach(ctx: FeatureContext<Incoming, Outgoing>): FeatureHooks<Outgoing>;
}
